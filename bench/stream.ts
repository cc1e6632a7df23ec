/**
 * Fill-to-record latency of stream-fills, and the Binance weight it costs per account.
 *
 * A throwaway stack (full catalogue, no timers); N accounts each rest K limit buys on
 * BTC/USDT at K price levels; one stream-fills run follows them all; the price then steps down
 * one level per second, so each step fills N orders at once (a burst, as when the market
 * sweeps a level). Then one account's S resting ETH/USDT buys are filled one at a time, every
 * 150 ms (single fills). Latency is the database's insert time of each fill minus Binance's
 * execution time of that trade (the simulator's clock, same machine), i.e. everything from
 * the exchange's event to the committed row.
 *
 *   deno run -A bench/stream.ts [--accounts 20] [--levels 5] [--json out.json]
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  call,
  createAccounts,
  sim,
  simRequestsSince,
  simSeq,
  startChildStack,
  stats,
} from "./lib.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    accounts: { type: "string", default: "20" },
    levels: { type: "string", default: "5" },
    singles: { type: "string", default: "30" },
    json: { type: "string" },
  },
});
const N = Number(values.accounts);
const K = Number(values.levels);
const S = Number(values.singles);
const START = 50000;
const STEP = 100;

const stack = await startChildStack();
const { info } = stack;
try {
  const accounts = await createAccounts(info, N);
  const placed: string[] = [];
  for (const a of accounts) {
    for (let k = 1; k <= K; k++) {
      const res = await call(info, a.token, "create-order", {
        symbol: "BTC/USDT",
        side: "buy",
        type: "limit",
        amount: "0.001",
        price: String(START - STEP * k),
      });
      placed.push(res.order.client_order_id);
    }
  }

  const singles: string[] = [];
  for (let k = 1; k <= S; k++) {
    const res = await call(info, accounts[0].token, "create-order", {
      symbol: "ETH/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: String(3000 - k),
    });
    singles.push(res.order.client_order_id);
  }

  await sim(info, "/__sim/ws/stats", undefined, "DELETE");
  const seq0 = await simSeq(info);
  const runSeconds = 25 + K * 2 + Math.ceil(S * 0.2);
  const run = fetch(`${info.functions_url}/stream-fills`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${info.service_role_key}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ run_seconds: runSeconds, wait: true }),
  }).then((r) => r.json());

  const sql = postgres(info.db_url, { max: 2, prepare: false, onnotice: () => {} });
  try {
    const until = Date.now() + 30_000;
    for (;;) {
      const [{ n }] = await sql`select count(*)::int as n from trading.stream_coverage
                                 where covered_until > now()`;
      if (n >= N) break;
      if (Date.now() > until) throw new Error(`only ${n} of ${N} accounts subscribed`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the first look-ups of the open orders (new accounts) finish before measuring.
    await new Promise((r) => setTimeout(r, 1000));
    const restBefore = await simRequestsSince(info, seq0);

    for (let k = 1; k <= K; k++) {
      await sim(info, "/__sim/prices", { symbol: "BTCUSDT", price: String(START - STEP * k) });
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (let k = 1; k <= S; k++) {
      await sim(info, "/__sim/prices", { symbol: "ETHUSDT", price: String(3000 - k) });
      await new Promise((r) => setTimeout(r, 150));
    }
    const lags = async (ids: string[]) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const rows = await sql`select extract(epoch from (f.created_at - f.executed_at)) * 1000
                                 as ms
                               from public.fills f join public.orders o on o.id = f.order_id
                               where o.client_order_id = any(${ids})`;
        if (rows.length >= ids.length || Date.now() > deadline) return rows;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const rows = await lags(placed);
    const singleRows = await lags(singles);
    const runStats = await run;
    const ws = await sim<{ weight: number; connections: number; requests: Record<string, number> }>(
      info,
      "/__sim/ws/stats",
    );
    const restAll = await simRequestsSince(info, seq0);
    const restDuringFills = restAll.length - restBefore.length;
    const latency = stats(rows.map((r) => Number(r.ms)));
    const result = {
      accounts: N,
      burst_orders: placed.length,
      fills_recorded: rows.length,
      latency_ms: latency,
      single_fills: singles.length,
      single_fills_recorded: singleRows.length,
      single_latency_ms: stats(singleRows.map((r) => Number(r.ms))),
      ws: {
        connections: ws.connections,
        weight: ws.weight,
        weight_per_account_per_run: Math.round((ws.weight / N) * 100) / 100,
        requests: ws.requests,
      },
      rest_requests_first_lookups: restBefore.length,
      rest_requests_while_filling: restDuringFills,
      run: runStats,
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
    await sim(info, "/__sim/prices", { symbol: "BTCUSDT", price: String(START) });
    await sim(info, "/__sim/prices", { symbol: "ETHUSDT", price: "3000" });
  } finally {
    await sql.end();
  }
} finally {
  await stack.stop();
}
