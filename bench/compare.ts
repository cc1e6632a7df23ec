/**
 * `deno task compare <git ref> [--n 1000] [--ops create-order,fetch-order,...]`: the product as
 * it was at <ref> against this checkout, in one time window. On a shared 2-core machine the same
 * build measured minutes apart varies by up to 2×, so a change is judged side by side or not at
 * all.
 *
 * <ref> is checked out into a temporary git worktree and its generated modules are built there.
 * Each side runs a whole local stack of its own (Postgres with its own migrations, simulator,
 * functions process). Each round sends one raw-ccxt call (the floor, on this checkout's
 * simulator) and one call to each side's function, the sides' order alternating; warm-up rounds
 * are dropped. Reported: latency per side and its overhead over the floor, and the functions
 * process's CPU per request (from /proc). Loopback only; at most 5,000 rounds
 * per operation.
 */
import { parseArgs } from "node:util";
import { createBinance } from "../supabase/functions/_shared/exchange/binance.ts";
import {
  type Account,
  call,
  type ChildStack,
  cpuSnapshot,
  createAccounts,
  sim,
  startChildStack,
  stats,
} from "./lib.ts";

const OPS = ["create-order", "fetch-order", "fetch-balance", "fetch-ticker"] as const;
type Op = typeof OPS[number];
const WARM_UP = 30;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { n: { type: "string", default: "1000" }, ops: { type: "string" } },
});
const ref = positionals[0];
if (!ref) {
  console.error("usage: deno task compare <git ref> [--n 1000] [--ops create-order,fetch-order]");
  Deno.exit(2);
}
const N = Math.min(Math.max(Number(values.n) || 1000, 10), 5000);
const ops = (values.ops?.split(",") ?? [...OPS]) as Op[];
for (const op of ops) {
  if (!OPS.includes(op)) throw new Error(`--ops: ${op} is not one of ${OPS.join(", ")}`);
}

const root = new URL("..", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return text;
}

/** CPU milliseconds of a process so far (lib.ts's /proc reader, that process's tree). */
async function cpuMs(pid: number): Promise<number> {
  let total = 0;
  for (const p of (await cpuSnapshot(pid)).procs.values()) total += p.ms;
  return total;
}

const MARKET_BUY = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.0001" };

/** The body of one function call of `op` for an account of `stack`. */
async function bodyFor(op: Op, stack: ChildStack, a: Account): Promise<unknown> {
  if (op === "create-order") return MARKET_BUY;
  if (op === "fetch-order") {
    const placed = await call(stack.info, a.token, "create-order", MARKET_BUY);
    return { symbol: "BTC/USDT", id: placed.order.id };
  }
  return op === "fetch-balance" ? {} : { symbol: "BTC/USDT" };
}

interface Side {
  label: string;
  stack: ChildStack;
  account: Account;
}

async function prepare(label: string, stack: ChildStack): Promise<Side> {
  // The functions' speed, not the simulator's request-weight limits, is measured.
  await sim(stack.info, "/__sim/limits", {
    weight_per_minute: 100_000_000,
    orders_per_10s: 100_000_000,
    orders_per_day: 100_000_000,
    reset_windows: true,
  });
  const [account] = await createAccounts(stack.info, 1);
  return { label, stack, account };
}

const sha = await run("git", ["rev-parse", "--verify", `${ref}^{commit}`], root);
const head = await run("git", ["rev-parse", "HEAD"], root);
const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"], root)) !== "";
const worktree = await Deno.makeTempDir({ prefix: "compare-" });
const stacks: ChildStack[] = [];
try {
  await run("git", ["worktree", "add", "--detach", worktree, sha], root);
  await run(Deno.execPath(), ["run", "-A", "dev/vendor_build.ts"], worktree);
  const baseStack = await startChildStack({}, `${worktree}/`);
  stacks.push(baseStack);
  const headStack = await startChildStack();
  stacks.push(headStack);
  const sides = [
    await prepare(`${ref} (${sha.slice(0, 7)})`, baseStack),
    await prepare(
      `this checkout (${head.slice(0, 7)}${dirty ? ", uncommitted changes" : ""})`,
      headStack,
    ),
  ];
  const [floorAccount] = await createAccounts(headStack.info, 1);
  const ex = createBinance({
    endpoint: { environment: "live", baseUrl: headStack.info.binance_url },
    credentials: { apiKey: floorAccount.apiKey, secret: floorAccount.secret },
  });
  await ex.loadMarkets();
  const floorOrder = await ex.createOrder("BTC/USDT", "market", "buy", 0.0001);
  const floors: Record<Op, () => Promise<unknown>> = {
    "create-order": () => ex.createOrder("BTC/USDT", "market", "buy", 0.0001),
    "fetch-order": () => ex.fetchOrder(floorOrder.id as string, "BTC/USDT"),
    "fetch-balance": () => ex.fetchBalance(),
    "fetch-ticker": () => ex.fetchTicker("BTC/USDT"),
  };

  const lines = [
    `# ${ref} against this checkout, side by side`,
    "",
    `${new Date().toISOString()}; ${N} rounds per operation after ${WARM_UP} warm-up rounds; ` +
    "each round: raw ccxt (floor), then both functions in alternating order.",
    "",
    "| operation | side | median / p95 / p99 (ms) | overhead over the floor, median / p99 (ms) | functions CPU per request (ms) |",
    "|---|---|---|---|---|",
  ];
  for (const op of ops) {
    const bodies = await Promise.all(sides.map((s) => bodyFor(op, s.stack, s.account)));
    const samples: number[][] = [[], [], []];
    const cpuOfSides = () => Promise.all(sides.map((s) => cpuMs(s.stack.gatewayPid)));
    let cpu0: number[] = [];
    for (let i = 0; i < N + WARM_UP; i++) {
      if (i === WARM_UP) cpu0 = await cpuOfSides();
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      let t = performance.now();
      await floors[op]();
      const floor = performance.now() - t;
      const took = [0, 0];
      for (const k of order) {
        t = performance.now();
        await call(sides[k].stack.info, sides[k].account.token, op, bodies[k]);
        took[k] = performance.now() - t;
      }
      if (i >= WARM_UP) {
        samples[0].push(floor);
        samples[1].push(took[0]);
        samples[2].push(took[1]);
      }
    }
    const cpu1 = await cpuOfSides();
    const floor = stats(samples[0]);
    lines.push(
      `| ${op} | floor: raw ccxt | ${floor.median} / ${floor.p95} / ${floor.p99} | | |`,
    );
    for (const [k, side] of sides.entries()) {
      const s = stats(samples[k + 1]);
      lines.push(
        `| ${op} | ${side.label} | ${s.median} / ${s.p95} / ${s.p99} | ${
          (s.median - floor.median).toFixed(2)
        } / ${(s.p99 - floor.p99).toFixed(2)} | ${((cpu1[k] - cpu0[k]) / N).toFixed(2)} |`,
      );
    }
  }
  console.log(lines.join("\n"));
} finally {
  for (const s of stacks) await s.stop().catch(() => {});
  await run("git", ["worktree", "remove", "--force", worktree], root).catch(() => {});
  await Deno.remove(worktree, { recursive: true }).catch(() => {});
}
