/**
 * The connection layer under db.ts: postgres.js, made to cost one cheap round trip per call on
 * Deno. Two costs are removed, both measured on loopback (bench/REPORT.md, docs/DECISIONS.md):
 *
 * 1. Deno 2.1's node-compat `setImmediate` is a ~1 ms timer (denoland/deno#28016), and
 *    postgres.js defers every socket write below 1 KB to `setImmediate(nextWrite)` to batch
 *    pipelined messages. That alone made each round trip ~1.2 ms instead of ~0.1 ms. Only that
 *    one callback is moved to a microtask (what postgres.js's own Cloudflare build does); every
 *    other caller of `setImmediate` gets Node's timer unchanged.
 * 2. With `prepare: false` (Supavisor's transaction pooler) postgres.js sends a query with
 *    parameters as Parse+Describe, waits for the parameter types, then Bind+Execute: two round
 *    trips. Each call here is a single `select trading.fn(...)` whose arguments are quoted SQL
 *    literals with explicit casts, sent with the simple query protocol: one round trip, no
 *    statement state on the connection, so it works through any pooler.
 */
import * as timers from "node:timers";

type Immediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

/** Handles of writes scheduled on a microtask and not yet run or cancelled. */
const pendingWrites = new Set<object>();

/**
 * Routes postgres.js's write batching (`setImmediate(nextWrite)`) to a microtask. Installed
 * once per isolate; where the runtime does not expose the assignment to npm code, postgres.js
 * keeps the slow timer and stays correct.
 */
export function installFastWrites(): void {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (g.setImmediate?.fastWrites) return;
  const nodeSet = (g.setImmediate ?? timers.setImmediate) as Immediate;
  const nodeClear = (g.clearImmediate ?? timers.clearImmediate) as (h: unknown) => void;
  const setImmediate = function (fn: (...args: unknown[]) => void, ...args: unknown[]) {
    if (typeof fn === "function" && fn.name === "nextWrite" && args.length === 0) {
      const handle = {};
      pendingWrites.add(handle);
      queueMicrotask(() => {
        if (pendingWrites.delete(handle)) fn();
      });
      return handle;
    }
    return nodeSet(fn, ...args);
  };
  const clearImmediate = function (handle: unknown) {
    if (handle !== null && typeof handle === "object" && pendingWrites.delete(handle)) return;
    nodeClear(handle);
  };
  Object.defineProperty(setImmediate, "fastWrites", { value: true });
  // clearImmediate first: our handles must never reach Node's clearImmediate. A runtime whose
  // globals cannot be replaced keeps its own pair (slow, still correct).
  try {
    g.clearImmediate = clearImmediate;
  } catch {
    return;
  }
  try {
    g.setImmediate = setImmediate;
  } catch {
    // clearImmediate also accepts Node's handles: harmless alone.
  }
}

/** A SQL type name as written in a cast: `uuid`, `text`, `jsonb`, `int`, `numeric`, `text[]`. */
const TYPE_NAME = /^[a-z_][a-z0-9_]*(\[\])?$/;

/**
 * `value` as a quoted literal of `type`. An escape string (`E'…'`) doubles quotes and
 * backslashes, so its meaning does not depend on `standard_conforming_strings`. Postgres text
 * cannot hold NUL, and the simple protocol ends the query at one: refused here. postgres.js
 * always connects with `client_encoding` UTF8, where no multi-byte character contains a quote
 * or backslash byte.
 */
export function sqlLiteral(value: unknown, type: string): string {
  if (!TYPE_NAME.test(type)) throw new TypeError(`bad SQL type name: ${type}`);
  if (value === null || value === undefined) return `null::${type}`;
  let text: string;
  if (type === "jsonb" || type === "json") {
    text = JSON.stringify(value);
  } else if (typeof value === "string") {
    text = value;
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number for ${type}`);
    text = String(value);
  } else if (typeof value === "bigint" || typeof value === "boolean") {
    text = String(value);
  } else if (value instanceof Date) {
    text = value.toISOString();
  } else if (Array.isArray(value) && type.endsWith("[]")) {
    // An array literal: each element double-quoted, its quotes and backslashes escaped.
    text = "{" + value.map((v) =>
      v === null || v === undefined
        ? "NULL"
        : `"${String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
    ).join(",") + "}";
  } else {
    throw new TypeError(`cannot send a ${typeof value} as ${type}`);
  }
  if (text.includes("\u0000")) {
    throw Object.assign(new Error("a text value contains a NUL character"), { code: "22021" });
  }
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'::${type}`;
}

/**
 * Functions whose arguments are secrets (an API secret, a full API key): they keep bound
 * parameters (two round
 * trips), because a statement's text, unlike its parameters, shows in `pg_stat_activity` and in
 * the server log of a failing statement (`log_min_error_statement`).
 */
export const SECRET_ARGUMENTS = new Set(["save_exchange_account", "check_key_available"]);

/** The statement for one call: literals, or placeholders and parameters for secrets. */
export function statementFor(
  fn: string,
  types: string[],
  args: unknown[],
  cast = "",
): { text: string; params?: unknown[] } {
  if (!SECRET_ARGUMENTS.has(fn)) return { text: callStatement(fn, types, args, cast) };
  if (!/^[a-z_][a-z0-9_]*$/.test(fn)) throw new TypeError(`bad function name: ${fn}`);
  if (types.length !== args.length) throw new TypeError(`${fn}: ${args.length} arguments`);
  for (const t of types) if (!TYPE_NAME.test(t)) throw new TypeError(`bad SQL type name: ${t}`);
  const placeholders = types.map((t, i) => `$${i + 1}::${t}`).join(", ");
  return { text: `select trading.${fn}(${placeholders})${cast} as r`, params: args };
}

/** `select trading.fn(<literals>)<cast> as r`: one statement, one round trip. */
export function callStatement(
  fn: string,
  types: string[],
  args: unknown[],
  cast = "",
): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(fn)) throw new TypeError(`bad function name: ${fn}`);
  if (cast !== "" && !/^::[a-z_][a-z0-9_]*$/.test(cast)) throw new TypeError(`bad cast: ${cast}`);
  if (types.length !== args.length) throw new TypeError(`${fn}: ${args.length} arguments`);
  const literals = types.map((t, i) => sqlLiteral(args[i], t));
  return `select trading.${fn}(${literals.join(", ")})${cast} as r`;
}

installFastWrites();

/**
 * After a timeout: a query still waiting for a connection (the database unreachable) is taken
 * out of postgres.js's queue, so it cannot run minutes later, after the caller was told to
 * retry, and hold the lease that retry needs. A query already on the wire is left alone.
 */
export function dropIfUnsent(query: PromiseLike<unknown>): void {
  const q = query as unknown as { active?: boolean; state?: unknown; cancel?: () => unknown };
  if (q.active || q.state || typeof q.cancel !== "function") return;
  try {
    q.cancel();
  } catch {
    // Nothing to drop.
  }
}
