/**
 * The database API of DESIGN.md: each step is one call of a `trading.*` SQL function in its
 * own implicit transaction, so it works through Supavisor's transaction-mode pooler
 * (`prepare: false`, no session state). All data logic lives in SQL (supabase/migrations).
 */
import postgres from "postgres";
import { dropIfUnsent, statementFor } from "./db_driver.ts";
import { TLS_FAILED, tlsModeOf, tlsSocket } from "./db_socket.ts";
import { AppError, isErrorCode } from "./errors.ts";

// The rows, answers and the Db interface: db_types.ts (types only, re-exported here).
export type * from "./db_types.ts";
import type { AccountInfo, Db, StreamAccount, SyncBatch } from "./db_types.ts";

export interface DbOptions {
  url: string;
  /** PEM of a CA to trust for the database's TLS certificate (a private CA, e.g. Supabase's). */
  caCert?: string;
  /** Longest wait to open a connection (default 5 s). */
  connectTimeoutMs?: number;
  max: number;
  /** Longest wait for one round trip before the request answers "retry" (default 10 s). */
  timeoutMs?: number;
  /** Called with the duration of every round trip, for the request log. */
  onQuery?: (ms: number) => void;
  /** Called with every WARNING the database raises (alerts such as a reused order id). */
  onAlert?: (message: string) => void;
}

type Sql = ReturnType<typeof postgres>;

/**
 * JSON.parse that keeps every non-integer or long number as its exact decimal text
 * (`0.30000000000000004` never appears; `numeric` values stay exact). Small integers stay
 * numbers. Uses the reviver's source text (V8 ≥ 11.4).
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, function (_key, value, context?: { source?: string }) {
    if (typeof value === "number" && context?.source !== undefined) {
      const src = context.source;
      if (!/^-?\d{1,15}$/.test(src)) return src;
    }
    return value;
  });
}

/** postgres.js's type for json and jsonb: numbers kept exact, since money must not pass through a float. */
export const EXACT_JSON = {
  to: 3802,
  from: [114, 3802],
  serialize: (x: unknown) => JSON.stringify(x),
  parse: parseExactJson,
};

/** A raised `CODE` from SQL becomes that AppError; anything else stays a (500) bug. */
function translateDbError(err: unknown): unknown {
  const e = err as { code?: string; message?: string; detail?: string; hint?: string };
  if (e?.code === "P0001" && isErrorCode(e.message)) {
    // The hint, when set, is JSON: {"field": ...} or {"retry_after": seconds}.
    let hint: { field?: string; retry_after?: number } = {};
    try {
      if (e.hint) hint = JSON.parse(e.hint);
    } catch {
      // a plain-text hint carries nothing for the caller
    }
    return new AppError(e.message, e.detail ?? messageFor(e.message), {
      field: hint.field,
      retryAfter: hint.retry_after,
    });
  }
  if (e?.code && CONNECTION_ERRORS.has(e.code)) {
    // Nothing was written; the caller may retry (orders: with the same idempotency key).
    return new AppError("INTERNAL", "The database is unavailable; retry shortly", {
      retryable: true,
      cause: err,
    });
  }
  return err;
}

/** postgres.js and socket error codes that mean "could not talk to Postgres". */
const CONNECTION_ERRORS = new Set([
  TLS_FAILED,
  "ECONNREFUSED",
  "ECONNRESET",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
]);

function messageFor(code: string): string {
  switch (code) {
    case "CREDENTIALS_MISSING":
      return "No Binance API key is saved for this account; save one with exchange-keys";
    case "ORDER_NOT_FOUND":
      return "Order not found";
    default:
      return code;
  }
}

export function createDb(opts: DbOptions): Db {
  const connectTimeoutSeconds = (opts.connectTimeoutMs ?? 5_000) / 1000;
  // TLS is Deno's own when the URL asks for it (db_socket.ts: postgres.js's cannot complete).
  const tls = tlsModeOf(opts.url);
  const sql: Sql = postgres(tls.url, {
    ...(tls.mode
      ? {
        ssl: false,
        socket: tlsSocket({
          mode: tls.mode,
          caCerts: opts.caCert ? [opts.caCert] : undefined,
          connectTimeoutMs: connectTimeoutSeconds * 1000,
        }),
      }
      : {}),
    prepare: false,
    // Every call returns one jsonb or text column and sends literals (db_driver.ts): the
    // array-type lookup postgres.js runs on each new connection would be a wasted round trip.
    fetch_types: false,
    max: opts.max,
    idle_timeout: 20,
    connect_timeout: connectTimeoutSeconds,
    max_lifetime: 60 * 30,
    onnotice: (notice: { severity?: string; message?: string }) => {
      if (notice.severity === "WARNING") opts.onAlert?.(String(notice.message ?? ""));
    },
    types: { exactJson: EXACT_JSON },
  });

  async function call<T>(fn: string, types: string[], args: unknown[], cast = ""): Promise<T> {
    const started = performance.now();
    let timer: number | undefined;
    try {
      // Arguments as quoted literals with casts, simple protocol: one round trip; secrets as
      // bound parameters (db_driver.ts).
      const statement = statementFor(fn, types, args, cast);
      const query = sql.unsafe(statement.text, statement.params as never);
      // A database that stops answering must not hang the request: every step is idempotent
      // or guarded (begin_order's lease), so answering "retry" is safe even if it commits.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          dropIfUnsent(query);
          reject(Object.assign(new Error("database timeout"), { code: "CONNECT_TIMEOUT" }));
        }, opts.timeoutMs ?? 10_000);
      });
      const rows = await Promise.race([query, timeout]);
      return rows[0]?.r as T;
    } catch (err) {
      throw translateDbError(err);
    } finally {
      clearTimeout(timer);
      opts.onQuery?.(performance.now() - started);
    }
  }

  return {
    saveExchangeAccount: (a) =>
      call("save_exchange_account", ["uuid", "text", "text", "text", "text", "jsonb"], [
        a.userId,
        a.label,
        a.environment,
        a.apiKey,
        a.secret,
        a.permissions,
      ]),
    deleteExchangeAccount: (userId, label) =>
      call("delete_exchange_account", ["uuid", "text"], [userId, label]),
    listExchangeAccounts: async (userId) =>
      (await call<AccountInfo[] | null>("list_exchange_accounts", ["uuid"], [userId])) ?? [],
    accountContext: (userId, label, weight, knownKey) =>
      call("account_context", ["uuid", "text", "int", "boolean", "text"], [
        userId,
        label,
        weight?.weight ?? 0,
        weight?.priority ?? false,
        knownKey ?? null,
      ]),
    beginOrder: (userId, label, clientOrderId, request, leaseSeconds, knownKey) =>
      call("begin_order", ["uuid", "text", "text", "jsonb", "int", "text"], [
        userId,
        label,
        clientOrderId,
        request,
        leaseSeconds,
        knownKey ?? null,
      ]),
    recordOrder: (accountId, order, trades, amountStep) =>
      call("record_order", ["uuid", "jsonb", "jsonb", "numeric"], [
        accountId,
        order,
        trades,
        amountStep,
      ]),
    rejectOrder: (accountId, clientOrderId, error) =>
      call("reject_order", ["uuid", "text", "jsonb"], [accountId, clientOrderId, error]),
    releaseOrder: (accountId, clientOrderId) =>
      call("release_order", ["uuid", "text"], [accountId, clientOrderId]),
    findOrder: (userId, label, exchangeOrderId, clientOrderId, weight, knownKey) =>
      call("find_order", ["uuid", "text", "text", "text", "int", "boolean", "text"], [
        userId,
        label,
        exchangeOrderId,
        clientOrderId,
        weight?.weight ?? 0,
        weight?.priority ?? true,
        knownKey ?? null,
      ]),
    ordersToSync: async (userId, minAgeSeconds, limit) =>
      (await call<SyncBatch[] | null>("orders_to_sync", ["uuid", "int", "int"], [
        userId,
        minAgeSeconds,
        limit,
      ])) ?? [],
    // Several MB of markets: read as text and parsed natively, without the exact-number
    // reviver (ccxt's market numbers are floats anyway).
    getMarkets: async (source, maxAgeSeconds) => {
      const text = await call<string | null>("get_markets", ["text", "int"], [
        source,
        maxAgeSeconds,
      ], "::text");
      return text === null ? null : JSON.parse(text);
    },
    putMarkets: (source, markets) => call("put_markets", ["text", "jsonb"], [source, markets]),
    setBackoff: (environment, until, reason) =>
      call("set_backoff", ["text", "timestamptz", "text"], [
        environment,
        until.toISOString(),
        reason,
      ]),
    markSynced: (orderIds) => call("mark_synced", ["uuid[]"], [orderIds]),
    setAccountBackoff: (accountId, until) =>
      call("set_account_backoff", ["uuid", "timestamptz"], [accountId, until.toISOString()]),
    markKeyFailed: (accountId, reason) =>
      call("mark_key_failed", ["uuid", "text"], [accountId, reason]),
    endOrderLease: (accountId, clientOrderId) =>
      call("end_order_lease", ["uuid", "text"], [accountId, clientOrderId]),
    checkKeyAvailable: (userId, label, apiKey) =>
      call("check_key_available", ["uuid", "text", "text"], [userId, label, apiKey]),
    backoffState: async (environment) =>
      (await call<{ backoff_until: string | null } | null>("backoff_state", ["text"], [
        environment,
      ])) ?? { backoff_until: null },
    reserveWeight: async (userId, environment, weight) =>
      (await call<{ backoff_until: string | null } | null>(
        "reserve_weight",
        ["uuid", "text", "int"],
        [userId, environment, weight],
      )) ?? { backoff_until: null },
    accountsToStream: async (userId, limit) =>
      (await call<StreamAccount[] | null>("accounts_to_stream", ["uuid", "int"], [
        userId,
        limit,
      ])) ?? [],
    streamCover: async (accountIds, until) =>
      (await call<string[] | null>("stream_cover", ["uuid[]", "timestamptz"], [
        accountIds,
        until.toISOString(),
      ])) ?? [],
    close: () => sql.end({ timeout: 5 }),
    listOrders: async (q) =>
      (await call<Record<string, unknown>[] | null>(
        "list_orders",
        [
          "uuid",
          "text",
          "text",
          "text",
          "text",
          "timestamptz",
          "timestamptz",
          "timestamptz",
          "uuid",
          "int",
          "boolean",
        ],
        [
          q.userId,
          q.label,
          q.symbol,
          q.status,
          q.side,
          q.since,
          q.until,
          q.cursorAt,
          q.cursorId,
          q.limit,
          q.withFills,
        ],
      )) ?? [],
    listPositions: async (q) =>
      (await call<Record<string, unknown>[] | null>(
        "list_positions",
        ["uuid", "text", "text", "text", "timestamptz", "uuid", "int"],
        [q.userId, q.label, q.status, q.symbol, q.cursorAt, q.cursorId, q.limit],
      )) ?? [],
  };
}
