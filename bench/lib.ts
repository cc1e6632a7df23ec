/** Benchmark helpers: percentiles, timing, a stack in a child process, accounts in bulk. */
import postgres from "postgres";
import type { StackInfo } from "../dev/stack.ts";
import { userToken } from "../dev/tokens.ts";

export interface Stats {
  n: number;
  median: number;
  p95: number;
  p99: number;
  mean: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    median: r(q(0.5)),
    p95: r(q(0.95)),
    p99: r(q(0.99)),
    mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
  };
}

export async function timeSamples(n: number, f: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function timeN(n: number, f: (i: number) => Promise<unknown>): Promise<Stats> {
  return stats(await timeSamples(n, f));
}

/** CPU time (user + system, ms) of each process of a tree and of the whole machine, from /proc. */
export interface CpuSnapshot {
  at: number;
  procs: Map<number, { name: string; ms: number }>;
  machineBusy: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Names for processes the bench starts, so the CPU tables tell them apart. */
const processLabels = new Map<number, string>();

export async function cpuSnapshot(rootPid = Deno.pid): Promise<CpuSnapshot> {
  const all: { pid: number; ppid: number; name: string; ms: number }[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const f = stat.slice(close + 2).split(" ");
      // After the name: state(0) ppid(1) ... utime(11) stime(12).
      all.push({
        pid: Number(e.name),
        ppid: Number(f[1]),
        name: Number(e.name) === rootPid ? "bench client" : processLabels.get(Number(e.name)) ??
          (name.startsWith("postgres") ? "postgres" : name),
        ms: (Number(f[11]) + Number(f[12])) * TICK_MS,
      });
    } catch {
      // exited meanwhile
    }
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  const procs = new Map<number, { name: string; ms: number }>();
  for (const p of all) if (inTree.has(p.pid)) procs.set(p.pid, { name: p.name, ms: p.ms });
  const cpu = (await Deno.readTextFile("/proc/stat")).split("\n")[0].split(/\s+/).slice(1).map(
    Number,
  );
  const machineBusy = (cpu.reduce((a, b) => a + b, 0) - cpu[3] - cpu[4]) * TICK_MS;
  return { at: performance.now(), procs, machineBusy };
}

/**
 * CPU ms per order between two snapshots, by process name, and how busy the machine was.
 * Per process: a process that exited in between is not counted (Postgres backends live as long
 * as their pooled connection, so few do).
 */
export function cpuPerOrder(a: CpuSnapshot, b: CpuSnapshot, orders: number) {
  const seconds = (b.at - a.at) / 1000;
  const byName: Record<string, number> = {};
  let total = 0;
  for (const [pid, p] of b.procs) {
    const used = p.ms - (a.procs.get(pid)?.ms ?? 0);
    byName[p.name] = (byName[p.name] ?? 0) + used;
    total += used;
  }
  const per = (x: number) => Math.round((x / Math.max(1, orders)) * 100) / 100;
  return {
    cpu_ms_per_order: per(total),
    by_process: Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, per(v)])),
    our_cores_busy: Math.round((total / 1000 / seconds) * 100) / 100,
    machine_cores_busy: Math.round(((b.machineBusy - a.machineBusy) / 1000 / seconds) * 100) / 100,
  };
}

export interface ChildStack {
  /** The stack's addresses; `functions_url` is the gateway process of its own (below). */
  info: StackInfo;
  pid: number;
  gatewayPid: number;
  /** The stack file (dev/start.ts `--stack-file`), for further gateways over the same stack. */
  file: string;
  /** The functions' request log lines (event "request"), by request id; the newest 20,000. */
  requestLog: Map<string, RequestLogLine>;
  stop(): Promise<void>;
}

/** The fields of the wrapper's per-request log line that the bench reads. */
export interface RequestLogLine {
  request_id: string;
  function: string;
  status: number;
  duration_ms: number;
  db_ms: number;
  exchange_ms: number;
}

const REQUEST_LOG_KEEP = 20_000;

/** `deno task start --ephemeral` in a child process, so the bench client does not share its CPU loop. */
/**
 * The benchmarks measure the product's speed, not its tenant limits: one bench user sends more
 * than a real user's request-weight budget (docs/LIMITS.md) allows in a minute, so the
 * throwaway stack's budgets are lifted.
 */
async function liftTenantBudgets(info: StackInfo) {
  const sql = postgres(info.db_url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`update trading.limits_settings
              set user_weight_per_minute = 100000000, account_weight_per_minute = 100000000`;
  } finally {
    await sql.end();
  }
}

export async function startChildStack(
  extraEnv: Record<string, string> = {},
  /** Another checkout of the project (bench/compare.ts); this one by default. */
  root = new URL("..", import.meta.url).pathname,
): Promise<ChildStack> {
  const dir = await Deno.makeTempDir({ prefix: "bench-" });
  const file = `${dir}/stack.json`;
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}dev/start.ts`,
      "--ephemeral",
      "--quiet",
      "--stack-file",
      file,
      "--sync-every",
      "0",
    ],
    // The simulator's weight limit is lifted for the load (see main.ts); so is the product's guard.
    env: { BINANCE_IP_WEIGHT_SOFT_LIMIT: "1000000000", ...extraEnv },
    cwd: root,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const deadline = Date.now() + 120_000;
  let info: StackInfo;
  for (;;) {
    try {
      info = JSON.parse(await Deno.readTextFile(file)) as StackInfo;
      await liftTenantBudgets(info);
      break;
    } catch {
      if (Date.now() > deadline) {
        proc.kill("SIGTERM");
        throw new Error("stack did not start");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // The functions in a process of their own, as deployed: the simulator's work and heap (every
  // order it ever matched) would otherwise share their event loop and garbage collector, which
  // the floor (raw ccxt in the bench client) does not.
  const gateway = await spawnGateway(root, file, extraEnv);
  // Its request log, read as it comes so the pipe never fills: the newest lines are kept for
  // the breakdown of create-order's time (main.ts).
  const requestLog = new Map<string, RequestLogLine>();
  (async () => {
    for await (const line of gateway.lines) {
      if (!line.includes('"event":"request"')) continue;
      try {
        const entry = JSON.parse(line) as RequestLogLine;
        requestLog.set(entry.request_id, entry);
        if (requestLog.size > REQUEST_LOG_KEEP) requestLog.delete(requestLog.keys().next().value!);
      } catch {
        // Not a log line.
      }
    }
  })();
  processLabels.set(proc.pid, "simulator");
  processLabels.set(gateway.proc.pid, "functions");
  return {
    info: { ...info, functions_url: `${gateway.url}/functions/v1` },
    pid: proc.pid,
    gatewayPid: gateway.proc.pid,
    file,
    requestLog,
    async stop() {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.status;
      proc.kill("SIGTERM");
      await proc.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export async function sim<T = unknown>(
  info: StackInfo,
  path: string,
  body?: unknown,
  method?: string,
) {
  const res = await fetch(info.binance_url + path, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export interface Account {
  userId: string;
  token: string;
  apiKey: string;
  secret: string;
}

/** Many funded accounts at once: auth users and Vault keys in SQL, simulator accounts over HTTP. */
export async function createAccounts(info: StackInfo, n: number): Promise<Account[]> {
  const sql = postgres(info.db_url, { max: 4, prepare: false, onnotice: () => {} });
  const out: Account[] = [];
  try {
    // Connect before pipelining queries (postgres.js under Deno's node streams).
    await sql`select 1`;
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, async () => {
          const hex = (k: number) =>
            [...crypto.getRandomValues(new Uint8Array(k))].map((b) =>
              b.toString(16).padStart(2, "0")
            )
              .join("");
          const a: Account = {
            userId: crypto.randomUUID(),
            token: "",
            apiKey: "bench" + hex(24),
            secret: "bench" + hex(24),
          };
          await sim(info, "/__sim/accounts", {
            api_key: a.apiKey,
            secret: a.secret,
            balances: { USDT: "1000000000", BTC: "1000" },
          });
          await sql`insert into auth.users (id, email) values (${a.userId}, ${
            a.userId + "@bench.local"
          })`;
          await sql`select trading.save_exchange_account(${a.userId}::uuid, 'default', 'live',
                    ${a.apiKey}, ${a.secret}, '{"enableReading":true,"enableSpotAndMarginTrading":true,"enableWithdrawals":false}'::jsonb)`;
          a.token = await userToken(info.jwt_secret, info.supabase_url, a.userId, {
            ttlSeconds: 3600 * 4,
          });
          return a;
        }),
      );
      out.push(...batch);
    }
  } finally {
    await sql.end();
  }
  return out;
}

export async function call(
  info: StackInfo,
  token: string,
  name: string,
  body: unknown,
  url?: string,
) {
  const res = await fetch(`${url ?? info.functions_url}/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${name}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Another functions gateway over a running stack, with extra environment (e.g. a database URL
 * with TLS through `TRADING_TEST_DB_URL`); its log is drained.
 */
export async function startExtraGateway(
  stack: ChildStack,
  env: Record<string, string>,
): Promise<{ functionsUrl: string; stop(): Promise<void> }> {
  const gateway = await spawnGateway(new URL("..", import.meta.url).pathname, stack.file, env);
  (async () => {
    for await (const _ of gateway.lines) { /* drain */ }
  })();
  return {
    functionsUrl: `${gateway.url}/functions/v1`,
    async stop() {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.status;
    },
  };
}

/**
 * dev/gateway_main.ts over a stack file, once it prints its URL; `lines` yields what it logs
 * after that, a line at a time (read it, or the pipe fills).
 */
async function spawnGateway(root: string, file: string, env: Record<string, string>) {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}dev/gateway_main.ts`, "--stack-file", file],
    env: { BINANCE_IP_WEIGHT_SOFT_LIMIT: "1000000000", ...env },
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  async function* all(): AsyncGenerator<string> {
    for (;;) {
      let at: number;
      while ((at = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        yield line;
      }
      const { value, done } = await reader.read();
      if (done) return;
      pending += value;
    }
  }
  const lines = all();
  // next(), not for-await: leaving a for-await loop would close the generator.
  for (let r = await lines.next(); !r.done; r = await lines.next()) {
    if (r.value.startsWith('{"url"')) {
      return { proc, url: (JSON.parse(r.value) as { url: string }).url, lines };
    }
  }
  throw new Error("the functions' gateway did not start");
}

/** `call`, also answering the request id the function gave the request (its log's key). */
export async function callWithId(
  info: StackInfo,
  token: string,
  name: string,
  body: unknown,
): Promise<{ json: unknown; requestId: string }> {
  const res = await fetch(`${info.functions_url}/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${name}: ${res.status} ${JSON.stringify(json)}`);
  return { json, requestId: res.headers.get("x-request-id") ?? "" };
}

export async function simSeq(info: StackInfo): Promise<number> {
  const all = await sim<{ seq: number }[]>(info, "/__sim/requests");
  return all.length ? all[all.length - 1].seq : 0;
}

export async function simRequestsSince(info: StackInfo, since: number, apiKey?: string) {
  const all = await sim<{ seq: number; method: string; path: string; api_key: string | null }[]>(
    info,
    `/__sim/requests?since=${since}`,
  );
  return all.filter((r) => apiKey === undefined || r.api_key === apiKey || r.api_key === null);
}
