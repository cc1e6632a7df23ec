/**
 * `deno task bench [--quick]`: latency, cold start, requests, memory and throughput of the
 * functions on a throwaway local stack with the simulator (full catalogue), against the floor
 * (raw ccxt) and the original design (the first spec: a Node ccxt service over stdin/stdout, rebuilt in bench/original/).
 * Writes bench/REPORT.md and bench/report.json. Loopback only; every loop is bounded.
 */
import { parseArgs } from "node:util";
import { createBinance } from "../supabase/functions/_shared/exchange/binance.ts";
import {
  type Account,
  call,
  callWithId,
  type ChildStack,
  cpuPerOrder,
  cpuSnapshot,
  createAccounts,
  sim,
  simRequestsSince,
  simSeq,
  startChildStack,
  startExtraGateway,
  type Stats,
  stats,
  timeN,
} from "./lib.ts";
import { freePort } from "../dev/ports.ts";
import { platformEnv } from "../dev/stack.ts";
import { measureOriginal } from "./original.ts";
import { codeGraph, functionGraph } from "./bundle_size.ts";
import postgres from "postgres";

const { values } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean", default: false } },
});
const quick = values.quick === true;
const N = quick ? 30 : 200;
/** create-order's paired samples: enough that p99 rests on ten samples, not two. */
const N_PAIRED = quick ? 50 : 1000;
const THROUGHPUT_SECONDS = quick ? 2 : 5;
const THROUGHPUT_MAX = quick ? 800 : 5000;
const MEMORY_ACCOUNTS = quick ? [1, 20, 50] : [1, 100, 1000];
const root = new URL("..", import.meta.url).pathname;
const report: Record<string, unknown> = { date: new Date().toISOString(), quick };
const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.0001" };
const round3 = (xs: number[]) => xs.map((x) => Math.round(x * 1000) / 1000);

function log(line: string) {
  console.log(line);
}

async function machine() {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1];
  const mem = (await Deno.readTextFile("/proc/meminfo")).match(/MemTotal:\s*(\d+)/)?.[1];
  const run = async (cmd: string, args: string[]) =>
    new TextDecoder().decode((await new Deno.Command(cmd, { args }).output()).stdout).trim()
      .split("\n")[0];
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memory_gib: Math.round(Number(mem) / 1024 / 1024),
    deno: Deno.version.deno,
    ccxt: "4.5.84",
    postgres: await run("psql", ["--version"]).catch(() => "?"),
    node: await run("node", ["--version"]).catch(() => "?"),
    ...await machineSpeed(),
  };
}

/**
 * How fast this VM is today at what the figures below lean on, so runs of different days can be
 * read together: starting an empty Deno process (median of 5) and taking a fresh page of memory
 * (one 64 MiB buffer touched page by page, in a child process; Deno's own start is excluded).
 */
async function machineSpeed() {
  const empty = await Deno.makeTempFile({ suffix: ".js" });
  const starts: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    await new Deno.Command(Deno.execPath(), { args: ["run", "--no-config", empty], stdout: "null" })
      .output();
    // The first start fills Deno's caches for the file.
    if (i > 0) starts.push(performance.now() - t);
  }
  await Deno.remove(empty);
  const touch = `const n = 64 << 20, b = new Uint8Array(n), t = performance.now();
    for (let i = 0; i < n; i += 4096) b[i] = 1;
    console.log((performance.now() - t) * 1000 / (n / 4096));`;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", "--no-config", touch] })
    .output();
  return {
    empty_deno_start_ms: stats(starts).median,
    page_fault_us: Math.round(Number(new TextDecoder().decode(out.stdout).trim()) * 100) / 100,
  };
}

async function floors(stack: ChildStack, a: Account) {
  const ex = createBinance({
    endpoint: { environment: "live", baseUrl: stack.info.binance_url },
    credentials: { apiKey: a.apiKey, secret: a.secret },
  });
  await ex.loadMarkets();
  await ex.createOrder("BTC/USDT", "market", "buy", 0.0001);
  const placed = await ex.createOrder("BTC/USDT", "market", "buy", 0.0001);
  const out: Record<string, Stats> = {
    "create-order": await timeN(N, () => ex.createOrder("BTC/USDT", "market", "buy", 0.0001)),
    "fetch-order": await timeN(N, () => ex.fetchOrder(placed.id as string, "BTC/USDT")),
    "fetch-balance": await timeN(N, () => ex.fetchBalance()),
    "fetch-ticker": await timeN(N, () => ex.fetchTicker("BTC/USDT")),
  };
  const limits: { id?: string }[] = [];
  for (let i = 0; i < N; i++) {
    limits.push(await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 10000));
  }
  out["cancel-order"] = await timeN(N, (i) => ex.cancelOrder(limits[i].id as string, "BTC/USDT"));
  return out;
}

async function warm(stack: ChildStack, a: Account) {
  const { info } = stack;
  await call(info, a.token, "create-order", order);
  const placed = await call(info, a.token, "create-order", order);
  const out: Record<string, Stats> = {
    "create-order": await timeN(N, () => call(info, a.token, "create-order", order)),
    "fetch-order": await timeN(
      N,
      () => call(info, a.token, "fetch-order", { symbol: "BTC/USDT", id: placed.order.id }),
    ),
    "fetch-balance": await timeN(N, () => call(info, a.token, "fetch-balance", {})),
    "fetch-ticker": await timeN(
      N,
      () => call(info, a.token, "fetch-ticker", { symbol: "BTC/USDT" }),
    ),
  };
  const limits: { order: { id: string } }[] = [];
  for (let i = 0; i < N; i++) {
    limits.push(
      await call(info, a.token, "create-order", {
        symbol: "BTC/USDT",
        side: "buy",
        type: "limit",
        amount: "0.001",
        price: "10000",
      }),
    );
  }
  out["cancel-order"] = await timeN(
    N,
    (i) => call(info, a.token, "cancel-order", { symbol: "BTC/USDT", id: limits[i].order.id }),
  );
  return out;
}

/**
 * Postgres's own time per call of each trading function over warm create-orders, in a pass
 * of its own (tracking adds a little to every call). Backends publish their statistics at
 * most once a second, when a transaction ends: after the orders, a pause, then a few
 * concurrent orders make every pooled connection publish.
 */
async function pgFunctionTimes(stack: ChildStack, a: Account) {
  const { info } = stack;
  const sql = postgres(info.db_url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`alter system set track_functions = 'all'`;
    await sql`select pg_reload_conf()`;
    await call(info, a.token, "create-order", order);
    await sql`select pg_stat_reset()`;
    for (let i = 0; i < Math.max(N, 100); i++) await call(info, a.token, "create-order", order);
    await new Promise((r) => setTimeout(r, 1100));
    await Promise.all(Array.from({ length: 8 }, () => call(info, a.token, "create-order", order)));
    await new Promise((r) => setTimeout(r, 300));
    return [
      ...await sql`select funcname as name, calls::int,
        round((total_time / greatest(calls, 1))::numeric, 3)::float as total_ms,
        round((self_time / greatest(calls, 1))::numeric, 3)::float as self_ms
      from pg_stat_user_functions where schemaname = 'trading' order by total_time desc`,
    ];
  } finally {
    await sql`alter system reset track_functions`;
    await sql`select pg_reload_conf()`;
    await sql.end();
  }
}

/** create-order through raw ccxt and through the function, one after the other, N times. */
/** One floor call and one function call, alternately, so both see the same machine. */
async function alternate(
  n: number,
  floorCall: () => Promise<unknown>,
  productCall: () => Promise<unknown>,
) {
  const floor: number[] = [];
  const product: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    let t = performance.now();
    await floorCall();
    const f = performance.now() - t;
    t = performance.now();
    await productCall();
    const p = performance.now() - t;
    if (i >= 10) {
      floor.push(f);
      product.push(p);
    }
  }
  return { floor, product };
}

async function pairedCreateOrder(stack: ChildStack, floorAccount: Account, fnAccount: Account) {
  const ex = createBinance({
    endpoint: { environment: "live", baseUrl: stack.info.binance_url },
    credentials: { apiKey: floorAccount.apiKey, secret: floorAccount.secret },
  });
  await ex.loadMarkets();
  const ids: string[] = [];
  const paired = await alternate(
    N_PAIRED,
    () => ex.createOrder("BTC/USDT", "market", "buy", 0.0001),
    async () => {
      ids.push((await callWithId(stack.info, fnAccount.token, "create-order", order)).requestId);
    },
  );
  // The log line of the last request may still be on its way.
  await new Promise((r) => setTimeout(r, 300));
  return { ...paired, breakdown: breakdownOf(stack, paired, ids.slice(-paired.product.length)) };
}

/**
 * Where each function call's time went, from the function's own request log joined by request
 * id: outside the function (HTTP both ways, the gateway, the client), the two SQL round trips,
 * the exchange call, and the function's own code. Medians of each part need not add up.
 */
function breakdownOf(
  stack: ChildStack,
  paired: { floor: number[]; product: number[] },
  ids: string[],
) {
  const parts: Record<string, number[]> = {
    outside: [],
    db: [],
    exchange: [],
    exchange_over_floor: [],
    own_code: [],
  };
  ids.forEach((id, i) => {
    const line = stack.requestLog.get(id);
    if (!line) return;
    parts.outside.push(paired.product[i] - line.duration_ms);
    parts.db.push(line.db_ms);
    parts.exchange.push(line.exchange_ms);
    parts.exchange_over_floor.push(line.exchange_ms - paired.floor[i]);
    parts.own_code.push(line.duration_ms - line.db_ms - line.exchange_ms);
  });
  return {
    requests: parts.db.length,
    ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, stats(v)])),
  };
}

/**
 * create-order through two gateways over the same stack, alternately: one with the stack's
 * plain database URL, one with `sslmode=verify-full` and the stack's CA (docs/DECISIONS.md,
 * "TLS to Postgres"): what encrypting the two SQL round trips costs.
 */
async function postgresOverTls(stack: ChildStack, a: Account) {
  if (!stack.info.db_ca_cert) return undefined;
  const tls = await startExtraGateway(stack, {
    TRADING_TEST_DB_URL: `${stack.info.db_url}?sslmode=verify-full`,
    TRADING_DB_CA_CERT: stack.info.db_ca_cert,
  });
  try {
    // A fresh process: its code is not yet optimised, as the stack's gateway's is.
    for (let i = 0; i < N; i++) {
      await call(stack.info, a.token, "create-order", order, tls.functionsUrl);
    }
    const { floor: plain, product: encrypted } = await alternate(
      Math.round(N_PAIRED / 2),
      () => call(stack.info, a.token, "create-order", order),
      () => call(stack.info, a.token, "create-order", order, tls.functionsUrl),
    );
    return { plain: stats(plain), tls: stats(encrypted) };
  } finally {
    await tls.stop();
  }
}

/**
 * The least that this design can cost here: each round calls, in turn, raw ccxt (the floor),
 * an HTTP server that only answers a stored create-order answer, the same server after two
 * Postgres round trips carrying that answer (bench/floor_server.ts) and create-order itself.
 * A function that must write the order before and after the exchange call pays at least the
 * third on top of the floor, plus Postgres's own work for the two calls (pgFunctionTimes).
 */
async function architectureFloor(stack: ChildStack, floorAccount: Account, fnAccount: Account) {
  const ex = createBinance({
    endpoint: { environment: "live", baseUrl: stack.info.binance_url },
    credentials: { apiKey: floorAccount.apiKey, secret: floorAccount.secret },
  });
  await ex.loadMarkets();
  const payload = JSON.stringify(await call(stack.info, fnAccount.token, "create-order", order));
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}bench/floor_server.ts`],
    env: { PORT: String(freePort()), FLOOR_DB_URL: stack.info.db_url, FLOOR_PAYLOAD: payload },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let url = "";
  try {
    const first = await lines.read();
    url = (JSON.parse((first.value ?? "").split("\n")[0]) as { url: string }).url;
    const post = async (path: string) => {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${fnAccount.token}`, "content-type": "application/json" },
        body: JSON.stringify(order),
      });
      await res.json();
    };
    const calls: [string, () => Promise<unknown>][] = [
      ["floor", () => ex.createOrder("BTC/USDT", "market", "buy", 0.0001)],
      ["http", () => post("/http")],
      ["http_sql", () => post("/sql")],
      ["function", () => call(stack.info, fnAccount.token, "create-order", order)],
    ];
    const times: Record<string, number[]> = Object.fromEntries(calls.map(([k]) => [k, []]));
    const rounds = Math.round(N_PAIRED / 2);
    for (let i = 0; i < rounds + 20; i++) {
      for (const [name, f] of calls) {
        const t = performance.now();
        await f();
        if (i >= 20) times[name].push(performance.now() - t);
      }
    }
    return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)]));
  } finally {
    proc.kill("SIGTERM");
    await proc.status;
    await lines.cancel().catch(() => {});
  }
}

/** The reads of the goals, floor and function alternately (the rows replace warm()'s). */
async function pairedReads(stack: ChildStack, floorAccount: Account, fnAccount: Account) {
  const ex = createBinance({
    endpoint: { environment: "live", baseUrl: stack.info.binance_url },
    credentials: { apiKey: floorAccount.apiKey, secret: floorAccount.secret },
  });
  await ex.loadMarkets();
  const floorOrder = await ex.createOrder("BTC/USDT", "market", "buy", 0.0001);
  const fnOrder = await call(stack.info, fnAccount.token, "create-order", order);
  const n = Math.max(N, Math.round(N_PAIRED / 2));
  return {
    "fetch-order": await alternate(
      n,
      () => ex.fetchOrder(floorOrder.id as string, "BTC/USDT"),
      () =>
        call(stack.info, fnAccount.token, "fetch-order", {
          symbol: "BTC/USDT",
          id: fnOrder.order.id,
        }),
    ),
    "fetch-balance": await alternate(
      n,
      () => ex.fetchBalance(),
      () => call(stack.info, fnAccount.token, "fetch-balance", {}),
    ),
    "fetch-ticker": await alternate(
      n,
      () => ex.fetchTicker("BTC/USDT"),
      () => call(stack.info, fnAccount.token, "fetch-ticker", { symbol: "BTC/USDT" }),
    ),
  };
}

/** Requests each operation sends to the exchange, warm (after one call of each). */
async function requestsPerOperation(stack: ChildStack, a: Account) {
  const { info } = stack;
  const placed = await call(info, a.token, "create-order", order);
  const resting = await call(info, a.token, "create-order", {
    symbol: "BTC/USDT",
    side: "buy",
    type: "limit",
    amount: "0.001",
    price: "10000",
  });
  const ops: [string, unknown][] = [
    ["create-order", order],
    ["fetch-order", { symbol: "BTC/USDT", id: placed.order.id }],
    ["cancel-order", { symbol: "BTC/USDT", id: resting.order.id }],
    ["fetch-open-orders", { symbol: "BTC/USDT" }],
    ["fetch-balance", {}],
    ["fetch-ticker", { symbol: "BTC/USDT" }],
    ["fetch-my-trades", { symbol: "BTC/USDT", limit: 10 }],
    ["fetch-markets", { symbol: "BTC/USDT" }],
  ];
  const out: Record<string, string[]> = {};
  for (const [name, body] of ops) {
    const since = await simSeq(info);
    await call(info, a.token, name, body);
    const reqs = await simRequestsSince(info, since, a.apiKey);
    out[name] = reqs.map((r) => `${r.method} ${r.path}`);
  }
  return out;
}

interface FnProcess {
  url: string;
  pid: number;
  lines: string[];
  stop(): Promise<void>;
}

const locks = new Map<string, string>();

/**
 * A lock file holding only the function's own npm resolution (what a deployed bundle carries,
 * resolved ahead of time), made once per function with `deno cache`.
 */
async function functionLock(name: string): Promise<string> {
  const known = locks.get(name);
  if (known) return known;
  const file = `${await Deno.makeTempDir({ prefix: "bench-lock-" })}/${name}.lock`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "cache",
      "--no-config",
      "--import-map",
      `${root}supabase/functions/import_map.json`,
      `--lock=${file}`,
      `${root}supabase/functions/${name}/index.ts`,
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`deno cache of ${name} failed`);
  await keepCodePackagesOnly(name, file);
  locks.set(name, file);
  return file;
}

/**
 * `deno cache` also locks the packages that only bring types (the npm ccxt behind the generated
 * binance part's .d.ts). A deployed bundle's npm snapshot holds only what the code reaches
 * (bench/bundle_size.ts, codeGraph), and each locked package costs the process memory at start
 * (~12 MB for ccxt's, measured), so the lock keeps only those.
 */
async function keepCodePackagesOnly(name: string, lockFile: string) {
  const info = await functionGraph(name);
  const pkgs = info.npmPackages;
  const keep = new Set<string>();
  const queue = codeGraph(info).flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  while (queue.length) {
    const id = queue.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    queue.push(...(pkgs[id]?.dependencies ?? []));
  }
  const lock = JSON.parse(await Deno.readTextFile(lockFile));
  lock.npm = Object.fromEntries(Object.entries(lock.npm ?? {}).filter(([id]) => keep.has(id)));
  lock.specifiers = Object.fromEntries(
    Object.entries(lock.specifiers ?? {}).filter(([spec, v]) =>
      keep.has(`${spec.replace(/^npm:/, "").replace(/@[^@]+$/, "")}@${v}`)
    ),
  );
  await Deno.writeTextFile(lockFile, JSON.stringify(lock, null, 2) + "\n");
}

/**
 * One function as its own process, as an isolate would run it: with the functions' import map
 * (supabase/config.toml) and a lock of only its own packages, not deno.json's, so the process
 * holds what a deployed function resolves.
 */
async function startFunction(
  stack: ChildStack,
  name: string,
  v8Flags: string[] = [],
): Promise<FnProcess & { listenMs: number }> {
  const lock = await functionLock(name);
  const port = freePort();
  const t0 = performance.now();
  const flags = v8Flags.length ? [`--v8-flags=${v8Flags.join(",")}`] : [];
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-config",
      "--import-map",
      `${root}supabase/functions/import_map.json`,
      `--lock=${lock}`,
      "--frozen",
      ...flags,
      `${root}supabase/functions/${name}/index.ts`,
    ],
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      ...platformEnv(stack.info),
      // The load lifts the simulator's weight limit; the product's guard below it goes too.
      BINANCE_IP_WEIGHT_SOFT_LIMIT: "1000000000",
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  (async () => {
    for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
      lines.push(...chunk.split("\n").filter(Boolean));
    }
  })();
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      break;
    } catch {
      if (performance.now() - t0 > 30_000) throw new Error("function did not listen");
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    lines,
    listenMs: performance.now() - t0,
    async stop() {
      proc.kill("SIGTERM");
      await proc.status;
    },
  };
}

async function coldStart(stack: ChildStack, a: Account, marketsCached: boolean) {
  if (!marketsCached) {
    const sql = postgres(stack.info.db_url, { max: 1, onnotice: () => {} });
    await sql`delete from trading.markets_cache`;
    await sql.end();
  }
  const since = await simSeq(stack.info);
  const t0 = performance.now();
  const fn = await startFunction(stack, "create-order");
  const t1 = performance.now();
  await call(stack.info, a.token, "", order, `${fn.url}/create-order`.replace(/\/$/, ""));
  const t2 = performance.now();
  await new Promise((r) => setTimeout(r, 100));
  const markets = fn.lines.map((l) => JSON.parse(l)).find((l) => l.event === "markets_loaded");
  const request = fn.lines.map((l) => JSON.parse(l)).find((l) => l.event === "request");
  await fn.stop();
  const reqs = await simRequestsSince(stack.info, since, a.apiKey);
  return {
    markets_from: markets?.source ?? "?",
    import_to_listening_ms: Math.round(t1 - t0),
    first_order_ms: Math.round(t2 - t1),
    markets_ms: markets?.ms ?? null,
    db_ms: request?.db_ms ?? null,
    exchange_ms: request?.exchange_ms ?? null,
    total_ms: Math.round(t2 - t0),
    exchange_requests: reqs.map((r) => `${r.method} ${r.path}`),
  };
}

/**
 * What a function's idle RSS is made of: a fresh process per line that imports one part of the
 * function's graph (with the functions' import map) and reads its own RSS, against an empty one.
 */
async function idleBreakdown() {
  const parts: [string, string][] = [
    ["nothing (Deno 2.1.4's own floor)", ""],
    ["ccxt's binance part (generated)", "./_shared/vendor/ccxt_binance.js"],
    ["zod (generated)", "./_shared/vendor/zod.js"],
    ["jose (generated)", "./_shared/vendor/jose.js"],
    ["postgres.js (npm package)", "postgres"],
    ["the HTTP wrapper and its imports (auth, errors, logging)", "./_shared/http/server.ts"],
    ["the whole create-order function, listening", "./create-order/index.ts"],
  ];
  const out: { part: string; rss_mib: number }[] = [];
  const functionsDir = new URL("../supabase/functions/", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "bench-idle-" });
  const file = `${dir}/probe.ts`;
  for (const [part, spec] of parts) {
    // Paths from the functions' folder; package names through the functions' import map.
    const target = spec.startsWith("./") ? new URL(spec, functionsDir).href : spec;
    const imp = spec ? `import ${JSON.stringify(target)};\n` : "";
    await Deno.writeTextFile(
      file,
      imp + `const m = Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\\s*(\\d+)/);\n` +
        `console.log(Math.round(Number(m?.[1]) / 1024));\nDeno.exit(0);\n`,
    );
    try {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--no-config",
            "--import-map",
            `${root}supabase/functions/import_map.json`,
            file,
          ],
          env: { PORT: "0", HOST: "127.0.0.1" },
          stderr: "null",
        }).output();
        samples.push(Number(new TextDecoder().decode(res.stdout).trim()));
      }
      out.push({ part, rss_mib: samples.sort((a, b) => a - b)[1] });
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return out;
}

/**
 * V8 heap settings of the memory runs. The old space is capped under Supabase's 256 MB, so a
 * heap that grew with the number of accounts would crash the process. The second run also
 * caps the young generation, which V8 grows (by tens of MB) while requests allocate fast:
 * what it saves is heap sizing, not data the function keeps.
 */
const HEAP_SETTINGS = [
  { old_space_mib: 200 },
  { old_space_mib: 96, semi_space_mib: 1 },
];

async function memory(
  stack: ChildStack,
  accounts: Account[],
  heap: { old_space_mib: number; semi_space_mib?: number },
) {
  const fn = await startFunction(stack, "create-order", [
    `--max-old-space-size=${heap.old_space_mib}`,
    ...(heap.semi_space_mib ? [`--max-semi-space-size=${heap.semi_space_mib}`] : []),
  ]);
  const rss = async () => {
    const status = await Deno.readTextFile(`/proc/${fn.pid}/status`);
    return Math.round(Number(status.match(/VmRSS:\s*(\d+)/)?.[1] ?? 0) / 1024);
  };
  const out: Record<string, number> = {
    heap_limit_mib: heap.old_space_mib,
    ...(heap.semi_space_mib ? { semi_space_mib: heap.semi_space_mib } : {}),
    idle_mib: await rss(),
  };
  let served = 0;
  let failed = 0;
  for (const target of MEMORY_ACCOUNTS) {
    for (; served < target; served += 8) {
      await Promise.all(
        accounts.slice(served, Math.min(target, served + 8)).map((a) =>
          fetch(`${fn.url}/create-order`, {
            method: "POST",
            headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json" },
            body: JSON.stringify(order),
          }).then((r) => {
            if (!r.ok) failed++;
            return r.body?.cancel();
          }, () => failed++)
        ),
      );
    }
    out[`after_${target}_accounts_mib`] = await rss();
  }
  out.failed_requests = failed;
  await fn.stop();
  return out;
}

async function throughput(stack: ChildStack, accounts: Account[], url?: string) {
  const out: Record<string, unknown>[] = [];
  for (const users of [1, 8, 32, 128]) {
    const deadline = performance.now() + THROUGHPUT_SECONDS * 1000;
    const samples: number[] = [];
    let errors = 0;
    let sent = 0;
    const t0 = performance.now();
    const cpu0 = await cpuSnapshot();
    await Promise.all(
      accounts.slice(0, users).map(async (a) => {
        while (performance.now() < deadline && sent < THROUGHPUT_MAX) {
          sent++;
          const s = performance.now();
          try {
            await call(stack.info, a.token, "create-order", order, url);
          } catch {
            errors++;
          }
          samples.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuPerOrder(cpu0, await cpuSnapshot(), samples.length);
    out.push({
      users,
      orders: samples.length,
      errors,
      orders_per_second: Math.round(samples.length / seconds),
      ...stats(samples),
      ...cpu,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------

const loadavg = async () =>
  (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
const started = performance.now();
report.machine = await machine();
report.load_at_start = await loadavg();
log(`machine: ${JSON.stringify(report.machine)}`);

for (const latency of [0, 20]) {
  log(`\n== simulator latency ${latency} ms ==`);
  const stack = await startChildStack();
  try {
    await sim(stack.info, "/__sim/limits", {
      weight_per_minute: 100_000_000,
      orders_per_10s: 100_000_000,
      orders_per_day: 100_000_000,
      reset_windows: true,
    });
    const accounts = await createAccounts(
      stack.info,
      latency === 0 ? Math.max(...MEMORY_ACCOUNTS, 128) : 8,
    );
    if (latency > 0) await sim(stack.info, "/__sim/latency", { latency_ms: latency });
    const key = `latency_${latency}ms`;
    const section: Record<string, unknown> = {};
    report[key] = section;
    section.floor = await floors(stack, accounts[0]);
    log(`floor: ${JSON.stringify(section.floor)}`);
    section.warm = await warm(stack, accounts[1]);
    log(`warm: ${JSON.stringify(section.warm)}`);
    // create-order once more, the floor and the function alternately, so both see the same
    // machine (other work shares the cores): these samples make the create-order rows.
    const paired = await pairedCreateOrder(stack, accounts[0], accounts[1]);
    (section.floor as Record<string, Stats>)["create-order"] = stats(paired.floor);
    (section.warm as Record<string, Stats>)["create-order"] = stats(paired.product);
    section.samples = { floor: round3(paired.floor), product: round3(paired.product) };
    section.create_order_breakdown = paired.breakdown;
    for (const [name, p] of Object.entries(await pairedReads(stack, accounts[0], accounts[1]))) {
      (section.floor as Record<string, Stats>)[name] = stats(p.floor);
      (section.warm as Record<string, Stats>)[name] = stats(p.product);
    }
    if (latency === 0) section.pg_functions = await pgFunctionTimes(stack, accounts[1]);
    if (latency === 0) {
      section.floor_of_design = await architectureFloor(stack, accounts[0], accounts[1]);
    }
    if (latency === 0) log(`floor of the design: ${JSON.stringify(section.floor_of_design)}`);
    if (latency === 0) section.tls = await postgresOverTls(stack, accounts[1]);
    section.original = await measureOriginal(
      stack.info,
      accounts.slice(2, 2 + (latency ? 4 : 32)),
      {
        n: N,
        seconds: THROUGHPUT_SECONDS,
        maxOrders: THROUGHPUT_MAX,
        levels: latency ? [1, 4] : [1, 8, 32],
      },
    );
    log(`original: ${JSON.stringify(section.original)}`);
    if (latency === 0) {
      section.requests = await requestsPerOperation(stack, accounts[2]);
      log(`requests: ${JSON.stringify(section.requests)}`);
      // One start first, answered nothing: Deno fills its transpile and code caches for this
      // way of running the function, as a deployed bundle is built ahead of its first request.
      await (await startFunction(stack, "create-order")).stop();
      section.cold_markets_cached = await coldStart(stack, accounts[3], true);
      section.cold_markets_downloaded = await coldStart(stack, accounts[3], false);
      log(
        `cold: ${JSON.stringify([section.cold_markets_cached, section.cold_markets_downloaded])}`,
      );
      section.memory = await memory(stack, accounts.slice(4), HEAP_SETTINGS[0]);
      section.memory_small_heap = await memory(stack, accounts.slice(4), HEAP_SETTINGS[1]);
      log(`memory: ${JSON.stringify([section.memory, section.memory_small_heap])}`);
      section.idle_breakdown = await idleBreakdown();
      log(`idle: ${JSON.stringify(section.idle_breakdown)}`);
      section.throughput = await throughput(stack, accounts);
      log(`throughput: ${JSON.stringify(section.throughput)}`);
    }
  } finally {
    await stack.stop();
  }
}
/** A bench of its own (bench/stream.ts, bench/sync.ts) in a child process, with its JSON. */
async function childBench(file: string, args: string[]): Promise<unknown> {
  const out = `${await Deno.makeTempDir({ prefix: "bench-child-" })}/out.json`;
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}bench/${file}`, ...args, "--json", out],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!res.success) throw new Error(`bench/${file} failed`);
  return JSON.parse(await Deno.readTextFile(out));
}

log("\n== fills from the user data stream (bench/stream.ts) ==");
report.stream = await childBench(
  "stream.ts",
  quick ? ["--accounts", "5", "--levels", "2", "--singles", "5"] : [],
);
log(`stream: ${JSON.stringify(report.stream).slice(0, 300)}`);
log("\n== sync-orders over 1,000 open orders (bench/sync.ts) ==");
report.sync = await childBench(
  "sync.ts",
  quick ? ["--accounts", "10", "--orders", "4"] : [],
);
log(`sync: ${JSON.stringify(report.sync).slice(0, 300)}`);

const { measureBundles } = await import("./bundle_size.ts");
const deploy = await measureBundles();
report.deploy = deploy;
log(`deploy: ${JSON.stringify(deploy.functions.map((f) => [f.name, f.brotli_mb]))}`);
report.load_at_end = await loadavg();
report.duration_s = Math.round((performance.now() - started) / 1000);

const { renderReport } = await import("./report.ts");
const { writeCharts } = await import("./charts.ts");
report.charts = await writeCharts(report, `${root}bench/`);
await Deno.writeTextFile(`${root}bench/report.json`, JSON.stringify(report, null, 2) + "\n");
await Deno.writeTextFile(`${root}bench/REPORT.md`, renderReport(report));
log(`\nwrote bench/REPORT.md and bench/report.json in ${report.duration_s} s`);
