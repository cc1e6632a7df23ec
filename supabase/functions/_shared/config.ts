/**
 * Configuration, read from the environment once at start-up. This is the only module that
 * reads `Deno.env`; everything else receives a `Config`.
 */

export interface Config {
  /** The project's URL (`SUPABASE_URL`); the JWT issuer is `<url>/auth/v1`. */
  supabaseUrl: string;
  /** Legacy HS256 JWT secret; undefined when only JWKS (asymmetric keys) is used. */
  jwtSecret?: string;
  /** Service credentials that act for any user when they name `user_id`. */
  serviceKeys: string[];
  /** Postgres URL: our own pooler secret when set, else `SUPABASE_DB_URL`. */
  dbUrl: string;
  /**
   * PEM of the CA that signed the database's TLS certificate, when it is not a public one
   * (Supabase's databases and pooler use Supabase's own CA). Only read when the URL asks for
   * TLS (`sslmode=require`, `verify-full`, ...).
   */
  dbCaCert?: string;
  /** Max Postgres connections per isolate. */
  dbPoolSize: number;
  /** Longest wait for one database round trip. */
  dbTimeoutMs: number;
  /** A Binance-compatible base URL that replaces Binance (the simulator locally). */
  binanceApiUrl?: string;
  /** Timeout of one HTTP request to Binance. */
  exchangeTimeoutMs: number;
  /** Overall deadline for a read, retries included. */
  readDeadlineMs: number;
  /** How long the markets cached in Postgres stay fresh. */
  marketsTtlSeconds: number;
  /**
   * Account instances kept per isolate (LRU). Each is a view of the endpoint's shared ccxt
   * instance (a few kB, built in microseconds), so this can cover every active account.
   */
  exchangeCacheSize: number;
  /**
   * How long the request that records an order holds the right to send it; longer than the
   * exchange timeout plus Binance's recvWindow.
   */
  submitLeaseSeconds: number;
  /** Orders still `pending` after this many seconds are settled by sync-orders. */
  syncMinAgeSeconds: number;
  /** Allowed CORS origins; `*` for any. */
  corsOrigins: string[];
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /**
   * IP request weight per minute (X-MBX-USED-WEIGHT-1M) past which only cancels and order
   * lookups are sent, so the IP never reaches Binance's limit (6,000) through reads.
   */
  ipWeightSoftLimit: number;
  /** Longest time to receive a request body before answering 408. */
  bodyDeadlineMs: number;
  /** Accept tokens of anonymous sign-ins (`is_anonymous: true`); off by default. */
  allowAnonymousUsers: boolean;
  /** Accounts sync-orders settles at once. */
  syncConcurrency: number;
  /** Binance request weight one sync-orders run may use; the rest waits for the next run. */
  syncWeightPerRun: number;
  /**
   * Binance's WebSocket API URL replacing the default one (production
   * `wss://ws-api.binance.com:443/ws-api/v3`, the testnet's, or `BINANCE_API_URL`'s
   * `/ws-api/v3` when that is set).
   */
  binanceWsApiUrl?: string;
  /** How long one stream-fills run follows the user data stream (a little over the cron minute). */
  streamRunSeconds: number;
  /** How often a stream-fills run looks for newly active accounts and renews its lease. */
  streamRefreshSeconds: number;
  /** Accounts one stream-fills run follows at most (Binance: 1,000 subscriptions per connection). */
  streamMaxAccounts: number;
}

type Env = { get(name: string): string | undefined };

function num(env: Env, name: string, fallback: number): number {
  const raw = env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number`);
  return value;
}

function required(env: Env, ...names: string[]): string {
  for (const name of names) {
    const value = env.get(name);
    if (value) return value;
  }
  throw new Error(`missing configuration: ${names.join(" or ")}`);
}

/** Parses `SUPABASE_SECRET_KEYS`, which the platform gives as JSON (`{"default":"sb_secret_…"}`). */
function secretKeys(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw);
    if (typeof parsed === "string") return [parsed];
    if (parsed && typeof parsed === "object") {
      return Object.values(parsed).filter((v): v is string => typeof v === "string");
    }
  } catch {
    // A plain comma-separated list.
  }
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

export function loadConfig(env: Env = Deno.env): Config {
  const serviceRoleKey = env.get("SUPABASE_SERVICE_ROLE_KEY");
  return {
    supabaseUrl: required(env, "SUPABASE_URL").replace(/\/+$/, ""),
    jwtSecret: env.get("SUPABASE_JWT_SECRET") || env.get("JWT_SECRET") || undefined,
    serviceKeys: [
      ...(serviceRoleKey ? [serviceRoleKey] : []),
      ...secretKeys(env.get("SUPABASE_SECRET_KEYS")),
      ...secretKeys(env.get("TRADING_SERVICE_KEYS")),
    ],
    dbUrl: required(env, "TRADING_DB_URL", "SUPABASE_DB_URL"),
    dbCaCert: env.get("TRADING_DB_CA_CERT") || undefined,
    dbPoolSize: num(env, "TRADING_DB_POOL_SIZE", 4),
    dbTimeoutMs: num(env, "TRADING_DB_TIMEOUT_MS", 10_000),
    binanceApiUrl: env.get("BINANCE_API_URL") || undefined,
    exchangeTimeoutMs: num(env, "BINANCE_TIMEOUT_MS", 10_000),
    readDeadlineMs: num(env, "READ_DEADLINE_MS", 15_000),
    marketsTtlSeconds: num(env, "MARKETS_TTL_SECONDS", 3600),
    exchangeCacheSize: num(env, "EXCHANGE_CACHE_SIZE", 2048),
    submitLeaseSeconds: num(env, "SUBMIT_LEASE_SECONDS", 30),
    syncMinAgeSeconds: num(env, "SYNC_MIN_AGE_SECONDS", 30),
    corsOrigins: (env.get("CORS_ALLOWED_ORIGINS") ?? "*").split(",").map((s) => s.trim()),
    maxBodyBytes: num(env, "MAX_BODY_BYTES", 16 * 1024),
    ipWeightSoftLimit: num(env, "BINANCE_IP_WEIGHT_SOFT_LIMIT", 5400),
    bodyDeadlineMs: num(env, "BODY_DEADLINE_MS", 10_000),
    allowAnonymousUsers: env.get("ALLOW_ANONYMOUS_USERS") === "true",
    syncConcurrency: num(env, "SYNC_CONCURRENCY", 8),
    syncWeightPerRun: num(env, "SYNC_WEIGHT_PER_RUN", 3000),
    binanceWsApiUrl: env.get("BINANCE_WS_API_URL") || undefined,
    streamRunSeconds: num(env, "STREAM_RUN_SECONDS", 75),
    streamRefreshSeconds: num(env, "STREAM_REFRESH_SECONDS", 2),
    streamMaxAccounts: num(env, "STREAM_MAX_ACCOUNTS", 1000),
  };
}
