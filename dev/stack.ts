/**
 * The local stack: Postgres (with the platform shim, migrations and seed), the Binance
 * simulator, the functions gateway, a demo user with funded simulator keys saved through
 * the real exchange-keys path, and sync-orders on a timer. Used by `deno task start`
 * (persistent data under .local/) and by `deno task test` / benchmarks (throwaway).
 */
import { startPostgres } from "./postgres.ts";
import { prepareDatabase } from "./migrate.ts";
import { startSimulator } from "./binance-sim/server.ts";
import { startGateway } from "./gateway.ts";
import { freePort } from "./ports.ts";
import { apiKeys, LOCAL_JWT_SECRET, userToken } from "./tokens.ts";
import postgres from "postgres";

export interface StackInfo {
  functions_url: string;
  supabase_url: string;
  db_url: string;
  /**
   * PEM of the CA behind the local Postgres's TLS certificate: `db_url` with
   * `?sslmode=verify-full` and this in `TRADING_DB_CA_CERT` connects over TLS. Absent when the
   * database is not the stack's own or openssl is missing.
   */
  db_ca_cert?: string;
  binance_url: string;
  anon_key: string;
  service_role_key: string;
  jwt_secret: string;
  demo: {
    user_id: string;
    email: string;
    access_token: string;
    binance_api_key: string;
    binance_secret: string;
  };
}

export interface StackOptions {
  /** Throwaway: temp data dir and free ports. */
  ephemeral: boolean;
  /** Where the persistent cluster keeps its data. */
  dataDir: string;
  reset?: boolean;
  gatewayPort?: number;
  dbPort?: number;
  simPort?: number;
  /** Small simulator catalogue (~10 symbols) for quick tests. */
  small?: boolean;
  /** Interval of the local sync-orders timer; 0 disables it. */
  syncEverySeconds?: number;
  /** Extra environment for the functions (e.g. timeouts in tests). */
  functionEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Stack {
  info: StackInfo;
  stop(): Promise<void>;
}

/** The demo user; fixed so that a restarted stack finds its orders again. */
export const DEMO_USER_ID = "00000000-0000-4000-8000-00000000de00";
export const DEMO_EMAIL = "demo@example.com";
/** Simulator keys of the demo user: local, fake, fixed for the same reason. */
export const DEMO_BINANCE_KEY = "demoKey0000000000000000000000000000000000000000000000000000000001";
export const DEMO_BINANCE_SECRET =
  "demoSecret00000000000000000000000000000000000000000000000000001";
export const DEMO_BALANCES = { USDT: "100000", BTC: "1", ETH: "10", BNB: "10" };

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log(`cleanup failed: ${e}`));
  };
  try {
    const env = (k: string) => Deno.env.get(k) || undefined;

    // Postgres
    let dbUrl = env("DATABASE_URL");
    let dbCaCert: string | undefined;
    if (!dbUrl) {
      const dataDir = opts.ephemeral
        ? await Deno.makeTempDir({ prefix: "trading-pg-" })
        : opts.dataDir;
      if (opts.reset && !opts.ephemeral) {
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      }
      const pg = await startPostgres({
        dataDir,
        port: opts.dbPort ?? (opts.ephemeral ? freePort() : 54322),
        fresh: opts.ephemeral,
        // TLS as well as plain connections, so the functions' TLS path runs against it
        // (tests/functions/db_tls_test.ts).
        tls: await hasOpenssl(),
      });
      dbCaCert = pg.caCert;
      cleanups.push(async () => {
        await pg.stop();
        if (opts.ephemeral) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      });
      dbUrl = pg.url;
      log(`postgres   ${redactUrl(dbUrl)}`);
    } else {
      log(`postgres   ${redactUrl(dbUrl)} (DATABASE_URL)`);
    }
    await prepareDatabase(dbUrl, { seed: true });
    log("migrations applied");

    // Binance simulator
    let binanceUrl = env("BINANCE_API_URL");
    if (!binanceUrl) {
      const sim = await startSimulator({
        port: opts.simPort ?? (opts.ephemeral ? 0 : 54329),
        catalogue: opts.small ? "small" : "full",
      });
      cleanups.push(() => sim.close());
      binanceUrl = sim.url;
      log(`binance    ${binanceUrl} (simulator)`);
    } else {
      log(`binance    ${binanceUrl} (BINANCE_API_URL)`);
    }

    // Gateway
    const jwtSecret = env("SUPABASE_JWT_SECRET") ?? LOCAL_JWT_SECRET;
    const keys = await apiKeys(jwtSecret);
    const port = opts.gatewayPort ?? (opts.ephemeral ? freePort() : 54321);
    const supabaseUrl = `http://127.0.0.1:${port}`;
    const gateway = startGateway({
      port,
      env: {
        SUPABASE_URL: supabaseUrl,
        SUPABASE_DB_URL: dbUrl,
        SUPABASE_ANON_KEY: keys.anon,
        SUPABASE_SERVICE_ROLE_KEY: keys.serviceRole,
        SUPABASE_JWT_SECRET: jwtSecret,
        BINANCE_API_URL: binanceUrl,
        ...passThrough(),
        ...opts.functionEnv,
      },
    });
    cleanups.push(() => gateway.close());
    const functionsUrl = `${supabaseUrl}/functions/v1`;
    log(`functions  ${functionsUrl}`);

    // Demo user: an auth user, simulator keys, saved through the real exchange-keys path.
    const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`insert into auth.users (id, email) values (${DEMO_USER_ID}, ${DEMO_EMAIL})
                on conflict (id) do nothing`;
    } finally {
      await sql.end();
    }
    await simControl(binanceUrl, "/__sim/accounts", {
      api_key: DEMO_BINANCE_KEY,
      secret: DEMO_BINANCE_SECRET,
      balances: DEMO_BALANCES,
    });
    const accessToken = await userToken(jwtSecret, supabaseUrl, DEMO_USER_ID, {
      email: DEMO_EMAIL,
      ttlSeconds: 30 * 24 * 3600,
    });
    const saved = await fetch(`${functionsUrl}/exchange-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ api_key: DEMO_BINANCE_KEY, secret: DEMO_BINANCE_SECRET }),
    });
    const savedBody = await saved.text();
    if (!saved.ok) throw new Error(`saving the demo keys failed: ${saved.status} ${savedBody}`);

    // sync-orders on a timer, as Supabase Cron does in production.
    const every = opts.syncEverySeconds ?? 60;
    if (every > 0) {
      const timer = setInterval(() => {
        fetch(`${functionsUrl}/sync-orders`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${keys.serviceRole}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ all_users: true }),
        }).then((r) => r.body?.cancel()).catch(() => {});
      }, every * 1000);
      cleanups.push(() => Promise.resolve(clearInterval(timer)));
      // stream-fills on the same schedule as Supabase Cron starts it (docs/STREAMING.md),
      // and once now so that the first minute is followed too.
      const startStream = () =>
        fetch(`${functionsUrl}/stream-fills`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${keys.serviceRole}`,
            "content-type": "application/json",
          },
          body: "{}",
        }).then((r) => r.body?.cancel()).catch(() => {});
      startStream();
      const streamTimer = setInterval(startStream, 60 * 1000);
      cleanups.push(() => Promise.resolve(clearInterval(streamTimer)));
    }

    return {
      info: {
        functions_url: functionsUrl,
        supabase_url: supabaseUrl,
        db_url: dbUrl,
        ...(dbCaCert ? { db_ca_cert: dbCaCert } : {}),
        binance_url: binanceUrl,
        anon_key: keys.anon,
        service_role_key: keys.serviceRole,
        jwt_secret: jwtSecret,
        demo: {
          user_id: DEMO_USER_ID,
          email: DEMO_EMAIL,
          access_token: accessToken,
          binance_api_key: DEMO_BINANCE_KEY,
          binance_secret: DEMO_BINANCE_SECRET,
        },
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function hasOpenssl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

/** What Supabase's platform gives every function, for a running stack (StackInfo). */
export function platformEnv(info: StackInfo): Record<string, string> {
  return {
    SUPABASE_URL: info.supabase_url,
    SUPABASE_DB_URL: info.db_url,
    SUPABASE_ANON_KEY: info.anon_key,
    SUPABASE_SERVICE_ROLE_KEY: info.service_role_key,
    SUPABASE_JWT_SECRET: info.jwt_secret,
    BINANCE_API_URL: info.binance_url,
  };
}

/** The functions' own settings (README, Configuration) pass from this process's environment. */
const FUNCTION_SETTINGS = [
  "TRADING_DB_POOL_SIZE",
  "TRADING_DB_CA_CERT",
  "BINANCE_TIMEOUT_MS",
  "READ_DEADLINE_MS",
  "MARKETS_TTL_SECONDS",
  "EXCHANGE_CACHE_SIZE",
  "SUBMIT_LEASE_SECONDS",
  "SYNC_MIN_AGE_SECONDS",
  "CORS_ALLOWED_ORIGINS",
  "MAX_BODY_BYTES",
  "BINANCE_IP_WEIGHT_SOFT_LIMIT",
  "BODY_DEADLINE_MS",
  "ALLOW_ANONYMOUS_USERS",
  "SYNC_CONCURRENCY",
  "SYNC_WEIGHT_PER_RUN",
  "BINANCE_WS_API_URL",
  "STREAM_RUN_SECONDS",
  "STREAM_REFRESH_SECONDS",
  "STREAM_MAX_ACCOUNTS",
];

/** The function settings of this process's environment, handed on to the functions. */
export function passThrough(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FUNCTION_SETTINGS) {
    const value = Deno.env.get(name);
    if (value) out[name] = value;
  }
  return out;
}

export async function simControl(binanceUrl: string, path: string, body?: unknown) {
  const res = await fetch(binanceUrl + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function redactUrl(url: string) {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, "//$1:***@");
}
