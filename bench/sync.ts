/**
 * What one sync-orders run costs and how long it takes with many open orders: A accounts each
 * rest K limit buys on BTC/USDT (A × K open orders). Three runs, all users at once:
 *   1. nothing changed on Binance since the orders were recorded;
 *   2. the price swept half of every account's orders (fills the product has not seen);
 *   3. nothing changed again.
 * Each run's wall time, Binance request weight (the function's own count, checked against the
 * simulator's log) and requests are reported, with the run's weight cap (SYNC_WEIGHT_PER_RUN).
 * Runs are a minute apart in production; here Binance's weight window is reset between them.
 *
 *   deno run -A bench/sync.ts [--accounts 100] [--orders 10] [--cap 3000] [--json out.json]
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { call, createAccounts, sim, simRequestsSince, simSeq, startChildStack } from "./lib.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    accounts: { type: "string", default: "100" },
    orders: { type: "string", default: "10" },
    cap: { type: "string", default: "3000" },
    json: { type: "string" },
  },
});
const A = Number(values.accounts);
const K = Number(values.orders);
const START = 50000;
const STEP = 10;

const stack = await startChildStack({ SYNC_WEIGHT_PER_RUN: values.cap! });
const { info } = stack;
const sql = postgres(info.db_url, { max: 2, prepare: false, onnotice: () => {} });
try {
  const accounts = await createAccounts(info, A);
  for (let i = 0; i < accounts.length; i += 10) {
    await Promise.all(
      accounts.slice(i, i + 10).map(async (a) => {
        for (let k = 1; k <= K; k++) {
          await call(info, a.token, "create-order", {
            symbol: "BTC/USDT",
            side: "buy",
            type: "limit",
            amount: "0.001",
            price: String(START - STEP * k),
          });
        }
      }),
    );
  }
  const [{ n: open }] =
    await sql`select count(*)::int as n from public.orders where status = 'open'`;

  const run = async (label: string) => {
    // Runs are a minute apart in production (cron): each starts with Binance's minute fresh.
    await sim(info, "/__sim/limits", { reset_windows: true });
    const seq = await simSeq(info);
    const t0 = performance.now();
    const res = await fetch(`${info.functions_url}/sync-orders`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${info.service_role_key}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ all_users: true, min_age_seconds: 0, limit: 1000 }),
    });
    const body = await res.json();
    const ms = Math.round(performance.now() - t0);
    if (!res.ok) throw new Error(`sync-orders: ${res.status} ${JSON.stringify(body)}`);
    const requests = (await simRequestsSince(info, seq)).filter((r) => r.api_key !== null);
    const byPath: Record<string, number> = {};
    for (const r of requests) {
      byPath[`${r.method} ${r.path}`] = (byPath[`${r.method} ${r.path}`] ?? 0) + 1;
    }
    return {
      label,
      ms,
      checked: body.checked,
      recorded: body.recorded,
      unchanged: body.unchanged,
      deferred: body.deferred,
      failed: body.failed,
      weight: body.weight,
      requests: requests.length,
      by_path: byPath,
    };
  };

  const runs = [await run("nothing changed")];
  // Half of each account's orders filled at once on Binance, unseen by the product.
  await sim(info, "/__sim/prices", {
    symbol: "BTCUSDT",
    price: String(START - STEP * Math.ceil(K / 2)),
    level_quote: 1e9,
  });
  runs.push(await run("half of the orders filled"));
  for (let i = 0; i < 3 && runs[runs.length - 1].deferred > 0; i++) {
    runs.push(await run("the rest (deferred by the cap)"));
  }
  runs.push(await run("nothing changed again"));
  const [{ n: fills }] = await sql`select count(*)::int as n from public.fills`;
  const [{ n: stillOpen }] = await sql`select count(*)::int as n from public.orders
                                       where status = 'open'`;
  const result = {
    accounts: A,
    open_orders: open,
    weight_cap: Number(values.cap),
    runs,
    fills_recorded: fills,
    open_after: stillOpen,
    per_order_design_weight: open * 4,
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
} finally {
  await sql.end();
  await stack.stop();
}
