/**
 * `deno run -A bench/sql_calls.ts [--n 2000] [--baseline <version>] [--profile]`: the two SQL
 * calls of a warm create-order (trading.begin_order, then trading.record_order of a market buy
 * filled by one trade), timed per call through the product's own client (db.ts), on a throwaway
 * Postgres. The arguments are those create-order sends for a market buy on the simulator
 * (captured from a real run: the ccxt order without its trades, one ccxt trade, the LOT_SIZE step).
 *
 * --baseline applies the migrations only up to that version to a second database of the same
 * cluster, and the loop alternates between the two (which one goes first alternates too), so
 * both are measured under the same load of a shared machine. --profile adds a pass with
 * track_functions = 'all' and prints Postgres's own time per call of each trading function.
 * Loopback only; every loop is bounded.
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { startPostgres } from "../dev/postgres.ts";
import { prepareDatabase } from "../dev/migrate.ts";
import { freePort } from "../dev/ports.ts";
import { createDb, type Db } from "../supabase/functions/_shared/db.ts";
import { stats } from "./lib.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "2000" },
    baseline: { type: "string" },
    profile: { type: "boolean", default: false },
  },
});
const N = Math.min(Math.max(Number(values.n) || 2000, 1), 100_000);
const USER_ID = "00000000-0000-4000-8000-0000000051a1";
const AMOUNT_STEP = "0.00001000";
const REQUEST = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.0001" };

/** The ccxt order create-order records (orderForDb: without `trades`), with fresh ids. */
function orderFor(seq: number, clientOrderId: string, now: number) {
  const id = String(1_464_680_000_000 + seq);
  return {
    id,
    fee: { cost: 0.0000001, currency: "BTC" },
    cost: 5.0005,
    fees: [{ cost: 0.0000001, currency: "BTC" }],
    info: {
      side: "BUY",
      type: "MARKET",
      fills: [{
        qty: "0.00010000",
        price: "50005.00000000",
        tradeId: Number(id),
        commission: "0.00000010",
        commissionAsset: "BTC",
      }],
      price: "0.00000000",
      status: "FILLED",
      symbol: "BTCUSDT",
      orderId: Number(id),
      origQty: "0.00010000",
      executedQty: "0.00010000",
      orderListId: -1,
      timeInForce: "GTC",
      workingTime: now,
      transactTime: now,
      clientOrderId,
      origQuoteOrderQty: "0.00000000",
      cummulativeQuoteQty: "5.00050000",
      selfTradePreventionMode: "EXPIRE_MAKER",
    },
    side: "buy",
    type: "market",
    price: 50005,
    amount: 0.0001,
    filled: 0.0001,
    status: "closed",
    symbol: "BTC/USDT",
    average: 50005,
    datetime: new Date(now).toISOString(),
    postOnly: false,
    remaining: 0,
    timestamp: now,
    timeInForce: "GTC",
    clientOrderId,
    lastTradeTimestamp: now,
    lastUpdateTimestamp: now,
  };
}

/** The one ccxt trade of that order (Binance's FULL answer). */
function tradeFor(seq: number) {
  const id = String(1_464_680_000_000 + seq);
  return {
    id,
    fee: { cost: 0.0000001, currency: "BTC" },
    cost: 5.0005,
    fees: [{ cost: 0.0000001, currency: "BTC" }],
    info: {
      qty: "0.00010000",
      price: "50005.00000000",
      tradeId: Number(id),
      commission: "0.00000010",
      commissionAsset: "BTC",
    },
    price: 50005,
    amount: 0.0001,
    symbol: "BTC/USDT",
  };
}

interface Target {
  name: string;
  url: string;
  db: Db;
  accountId: string;
  begin: number[];
  record: number[];
}

async function prepare(adminUrl: string, name: string, until?: string): Promise<Target> {
  const admin = postgres(adminUrl, { max: 1, prepare: false, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  await prepareDatabase(url, { until });
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`insert into auth.users (id, email) values (${USER_ID}, 'bench@example.com')`;
    // The bench sends more than a user's request-weight budget allows in a minute.
    await sql`update trading.limits_settings
              set user_weight_per_minute = 100000000, account_weight_per_minute = 100000000`;
    await sql`select trading.save_exchange_account(${USER_ID}::uuid, 'default', 'live',
              'benchKey000000000000000000000000000000000000000000000000000000001',
              'benchSecret0000000000000000000000000000000000000000000000000001', '{}'::jsonb)`;
    const [{ id }] = await sql<{ id: string }[]>`
      select id::text from public.exchange_accounts where user_id = ${USER_ID}`;
    return { name, url, db: createDb({ url, max: 1 }), accountId: id, begin: [], record: [] };
  } finally {
    await sql.end();
  }
}

let seq = 0;

/** One warm create-order's two calls; returns [begin_order ms, record_order ms]. */
async function pair(t: Target): Promise<[number, number]> {
  const clientOrderId = crypto.randomUUID();
  const n = ++seq;
  const t0 = performance.now();
  const begun = await t.db.beginOrder(USER_ID, null, clientOrderId, REQUEST, 30);
  const t1 = performance.now();
  const recorded = await t.db.recordOrder(
    begun.account.id,
    orderFor(n, clientOrderId, Date.now()),
    [tradeFor(n)],
    AMOUNT_STEP,
  );
  const t2 = performance.now();
  if (!begun.created || recorded.order?.status !== "closed" || !recorded.position) {
    throw new Error(`unexpected answer from ${t.name}`);
  }
  return [t1 - t0, t2 - t1];
}

async function functionTimes(t: Target, n: number) {
  const sql = postgres(t.url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql.unsafe(`alter database ${t.name} set track_functions = 'all'`);
    // New connections pick the setting up.
    await t.db.close();
    t.db = createDb({ url: t.url, max: 1 });
    await pair(t);
    await sql`select pg_stat_reset()`;
    for (let i = 0; i < n; i++) await pair(t);
    await t.db.close(); // the backend publishes its statistics when it exits
    await new Promise((r) => setTimeout(r, 700));
    return await sql`select funcname as name, calls::int,
        round((total_time / greatest(calls, 1))::numeric, 4)::float as total_ms,
        round((self_time / greatest(calls, 1))::numeric, 4)::float as self_ms
      from pg_stat_user_functions where schemaname = 'trading' order by total_time desc`;
  } finally {
    await sql.unsafe(`alter database ${t.name} reset track_functions`);
    await sql.end();
  }
}

const dataDir = await Deno.makeTempDir({ prefix: "bench-sql-" });
const pg = await startPostgres({ dataDir, port: freePort(), fresh: true });
try {
  const targets = [await prepare(pg.url, "head")];
  if (values.baseline) targets.unshift(await prepare(pg.url, "baseline", values.baseline));
  for (const t of targets) for (let i = 0; i < 100; i++) await pair(t); // warm-up
  for (let i = 0; i < N; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const [b, r] = await pair(t);
      t.begin.push(b);
      t.record.push(r);
    }
  }
  const out: Record<string, unknown> = { n: N };
  for (const t of targets) {
    out[t.name] = {
      begin_order: stats(t.begin),
      record_order: stats(t.record),
      both: stats(t.begin.map((b, i) => b + t.record[i])),
    };
  }
  if (values.profile) {
    for (const t of targets) out[`${t.name}_functions`] = await functionTimes(t, Math.min(N, 1000));
  }
  console.log(JSON.stringify(out, null, 2));
  for (const t of targets) await t.db.close();
} finally {
  await pg.stop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
