/**
 * The database API of DESIGN.md: each step is one call of a `trading.*` SQL function in its
 * own implicit transaction, so it works through Supavisor's transaction-mode pooler
 * (`prepare: false`, no session state). All data logic lives in SQL (supabase/migrations).
 */
import postgres from "postgres";
import { dropIfUnsent, statementFor } from "./db_driver.ts";
import { TLS_FAILED, tlsModeOf, tlsSocket } from "./db_socket.ts";
import { AppError, isErrorCode } from "./errors.ts";

/** An order row as stored (`public.orders`); numerics arrive as decimal strings. */
export interface OrderRow {
  id: string;
  account_id: string;
  user_id: string;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  time_in_force: string | null;
  price: string | null;
  amount: string | null;
  quote_amount: string | null;
  filled: string | null;
  remaining: string | null;
  average: string | null;
  cost: string | null;
  fee_cost: string | null;
  fee_currency: string | null;
  status: "pending" | "open" | "closed" | "canceled" | "rejected" | "expired";
  error: Record<string, unknown> | null;
  /** Absent from record_order's and find_order's answers (only the database keeps it). */
  request?: Record<string, unknown> | null;
  position_id: string | null;
  created_at: string;
  updated_at: string;
  [column: string]: unknown;
}

export interface PositionRow {
  id: string;
  account_id: string;
  symbol: string;
  status: "open" | "closed";
  quantity: string;
  entry_price: string | null;
  realized_pnl: string;
  [column: string]: unknown;
}

export interface AccountInfo {
  id: string;
  label: string;
  environment: "live" | "testnet";
  key_hint: string;
  permissions: Record<string, unknown>;
  [column: string]: unknown;
}

/** An account's decrypted API key and secret: never logged, never returned. */
export interface Credentials {
  api_key: string;
  secret: string;
}

/** An account with its decrypted credentials: never logged, never returned. */
export interface AccountContext {
  account: AccountInfo;
  /** Null when the caller passed this `key_version` as the one it holds (migration 0800). */
  credentials: Credentials | null;
  /** The account id and when its key was saved: changes whenever the key or secret does. */
  key_version: string;
  /** The environment's back-off (IP-level limits), when one is in force. */
  backoff_until: string | null;
  /** This account's order-rate back-off (-1015), when one is in force. */
  account_backoff_until?: string | null;
}

/** Request weight to take from the budgets of the user and account (docs/LIMITS.md). */
export interface Weight {
  weight: number;
  /** Cancels and order lookups may use the headroom that ordinary requests leave. */
  priority?: boolean;
}

export interface BeginOrderResult extends AccountContext {
  order: OrderRow;
  created: boolean;
  matches: boolean;
  /** This request holds the submission lease and may send the order. */
  claimed: boolean;
  /** The order's position, when it has one. */
  position?: PositionRow | null;
}

export interface RecordResult {
  order: OrderRow | null;
  position: PositionRow | null;
}

export interface SyncBatch extends AccountContext {
  /** Batches always carry the key (no known version is passed for them). */
  credentials: Credentials;
  orders: OrderRow[];
}

/** An account stream-fills follows, with its unsettled orders (trading.accounts_to_stream). */
export interface StreamAccount extends AccountContext {
  /** Always carries the key (no known version is passed for it). */
  credentials: Credentials;
  orders: {
    client_order_id: string;
    exchange_order_id: string | null;
    symbol: string;
    status: string;
    filled: string | number | null;
  }[];
}

export interface Db {
  saveExchangeAccount(args: {
    userId: string;
    label: string;
    environment: string;
    apiKey: string;
    secret: string;
    permissions: Record<string, unknown>;
  }): Promise<AccountInfo>;
  deleteExchangeAccount(userId: string, label: string): Promise<AccountInfo | null>;
  listExchangeAccounts(userId: string): Promise<AccountInfo[]>;
  /** `knownKey`: the key version the caller holds; the answer then leaves the secret out. */
  accountContext(
    userId: string,
    label: string | null,
    weight?: Weight,
    knownKey?: string,
  ): Promise<AccountContext>;
  beginOrder(
    userId: string,
    label: string | null,
    clientOrderId: string,
    request: Record<string, unknown>,
    leaseSeconds: number,
    knownKey?: string,
  ): Promise<BeginOrderResult>;
  recordOrder(
    accountId: string,
    order: unknown | null,
    trades: unknown[],
    amountStep: string | null,
  ): Promise<RecordResult>;
  rejectOrder(accountId: string, clientOrderId: string, error: unknown): Promise<OrderRow | null>;
  /** Forgets a pending order that certainly never reached the exchange. */
  releaseOrder(accountId: string, clientOrderId: string): Promise<void>;
  findOrder(
    userId: string,
    label: string | null,
    exchangeOrderId: string | null,
    clientOrderId: string | null,
    weight?: Weight,
    knownKey?: string,
  ): Promise<AccountContext & { order: OrderRow | null; position: PositionRow | null }>;
  ordersToSync(userId: string | null, minAgeSeconds: number, limit: number): Promise<SyncBatch[]>;
  /** Records that sync-orders compared these orders (row ids) with Binance now. */
  markSynced(orderIds: string[]): Promise<void>;
  getMarkets(source: string, maxAgeSeconds: number): Promise<unknown[] | null>;
  putMarkets(source: string, markets: unknown[]): Promise<void>;
  setBackoff(environment: string, until: Date, reason: string): Promise<void>;
  /** Extends one account's order-rate back-off. */
  setAccountBackoff(accountId: string, until: Date): Promise<void>;
  /** Marks the account's key refused by Binance (reason: Binance's code and message). */
  markKeyFailed(accountId: string, reason: string): Promise<void>;
  /** Ends a pending order's submission lease: its request has answered. */
  endOrderLease(accountId: string, clientOrderId: string): Promise<void>;
  /** Raises unless the user may save this key under this label (before Binance sees it). */
  checkKeyAvailable(userId: string, label: string, apiKey: string): Promise<void>;
  /** The environment's back-off alone. */
  backoffState(environment: string): Promise<{ backoff_until: string | null }>;
  /** Takes weight from the user's budget; returns the environment's back-off. */
  reserveWeight(
    userId: string | null,
    environment: string,
    weight: number,
  ): Promise<{ backoff_until: string | null }>;
  accountsToStream(userId: string | null, limit: number): Promise<StreamAccount[]>;
  /** Renews the stream lease of these accounts; returns the ids whose lease had lapsed. */
  streamCover(accountIds: string[], until: Date): Promise<string[]>;
  close(): Promise<void>;
  /** A user's stored orders, newest first (fetch-orders); one row more than the limit. */
  listOrders(q: ListOrdersQuery): Promise<Record<string, unknown>[]>;
  /** A user's positions, newest first (fetch-positions); one row more than the limit. */
  listPositions(q: ListPositionsQuery): Promise<Record<string, unknown>[]>;
}

/** Filters of `trading.list_orders`; null means "any". */
export interface ListOrdersQuery {
  userId: string;
  label: string | null;
  symbol: string | null;
  status: string | null;
  side: string | null;
  since: string | null;
  until: string | null;
  cursorAt: string | null;
  cursorId: string | null;
  limit: number;
  withFills: boolean;
}

/** Filters of `trading.list_positions`; null means "any". */
export interface ListPositionsQuery {
  userId: string;
  label: string | null;
  status: string | null;
  symbol: string | null;
  cursorAt: string | null;
  cursorId: string | null;
  limit: number;
}

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
    types: {
      // jsonb with its numbers kept exact: money must not pass through a float.
      exactJson: {
        to: 3802,
        from: [114, 3802],
        serialize: (x: unknown) => JSON.stringify(x),
        parse: parseExactJson,
      },
    },
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
