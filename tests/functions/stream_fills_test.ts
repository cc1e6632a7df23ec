/**
 * stream-fills end to end: the real function over HTTP, real Postgres, the simulator's
 * WebSocket API (user-data-stream.md "Order Update"), with no call from the trader after the
 * order is placed. Each run is scoped to the test's own user (`user_id`), so parallel tests'
 * accounts are never followed. XRP/USDT and DOGE/USDT are moved only by this file.
 */
import assert from "node:assert/strict";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import {
  callFunction,
  lastSimSeq,
  MARKER_KEY,
  MARKER_SECRET,
  needsStack,
  newTrader,
  sim,
  simRequests,
  stackInfo,
  type Trader,
  withSql,
} from "../helpers/stack.ts";

const RUN_SECONDS = 12;

// deno-lint-ignore no-explicit-any
type Json = any;

/** Starts a run for the user's accounts; resolves with its figures when it ends. */
function startRun(userId: string, runSeconds = RUN_SECONDS) {
  return callFunction("stream-fills", stackInfo().service_role_key, {
    user_id: userId,
    run_seconds: runSeconds,
    wait: true,
  });
}

async function poll<T>(what: string, f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function accountId(userId: string, label = "default"): Promise<string> {
  return await withSql(async (sql) => {
    const [row] = await sql`select id from public.exchange_accounts
                            where user_id = ${userId} and label = ${label}`;
    return row.id as string;
  });
}

/** Resolves once a run holds the account's stream lease (it is subscribed). */
function subscribed(account: string) {
  return poll(`subscription of ${account}`, () =>
    withSql(async (sql) => {
      const [row] = await sql`select 1 from trading.stream_coverage
                              where account_id = ${account} and covered_until > now()`;
      return row ? true : undefined;
    }));
}

async function orderRow(clientOrderId: string) {
  return await withSql(async (sql) => {
    const [row] = await sql`select status, filled::text, exchange_order_id, id
                            from public.orders where client_order_id = ${clientOrderId}`;
    return row;
  });
}

async function placeResting(t: Trader, symbol: string, amount: string, price: string) {
  const res = await t.call("create-order", { symbol, side: "buy", type: "limit", amount, price });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.order.status, "open");
  return res.body.order as Json;
}

Deno.test({
  name: "stream-fills records an order crossed by a price move with no call from the user",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const account = await accountId(t.userId);
    const order = await placeResting(t, "XRP/USDT", "100", "0.4900");
    const since = await lastSimSeq();
    const run = startRun(t.userId);
    await subscribed(account);
    // A run new to the account looks its open order up over REST once it is subscribed
    // (docs/STREAMING.md). Until Binance has answered that look-up, a fill could reach the
    // database through REST instead of the stream, which is not what this test is about.
    await poll("the run's first look-up of the open order", async () => {
      const looked = (await simRequests(t.apiKey, since)).some((r) =>
        r.method === "GET" && r.path === "/api/v3/order"
      );
      return looked || undefined;
    });

    // rest-api.md: a resting limit buy fills when the price falls to it (as maker).
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.4890" });
    const row = await poll("order recorded closed", async () => {
      const r = await orderRow(order.client_order_id);
      return r.status === "closed" ? r : undefined;
    });
    assert.equal(Number(row.filled), 100);
    await withSql(async (sql) => {
      const fills = await sql`select exchange_trade_id, amount::text, price::text,
                                     taker_or_maker, fee_cost::text, fee_currency
                              from public.fills where order_id = ${row.id}`;
      assert.equal(fills.length, 1);
      assert.equal(Number(fills[0].amount), 100);
      assert.equal(Number(fills[0].price), 0.49);
      assert.equal(fills[0].taker_or_maker, "maker");
      assert.equal(fills[0].fee_currency, "XRP");
      const [pos] = await sql`select quantity::text, entry_price::text from public.positions
                              where account_id = ${account} and symbol = 'XRP/USDT'
                                and status = 'open'`;
      // The 0.1% fee in XRP reduces the quantity held.
      assert.equal(Number(pos.quantity), 99.9);
      assert.equal(Number(pos.entry_price), 0.49);
    });
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.5" });

    const done = await run;
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.subscribed, 1);
    assert.ok(done.body.applied >= 1);
    // The only REST request the run made was the first look-up of the open order.
    assert.equal(done.body.reconciled_orders, 1);
  },
});

Deno.test({
  name: "stream-fills applies fills once and in order under duplicates, reordering and drops",
  ...needsStack,
  async fn() {
    const t = await newTrader({ balances: { USDT: "1000000", XRP: "0" } });
    const account = await accountId(t.userId);
    // An order through the product makes the account one to follow.
    await placeResting(t, "XRP/USDT", "20", "0.3000");
    const run = startRun(t.userId, 15);
    await subscribed(account);

    // An order placed on Binance directly (not through the product): only the stream tells.
    const direct = createBinance({
      endpoint: { environment: "live", baseUrl: stackInfo().binance_url },
      credentials: { apiKey: t.apiKey, secret: t.secret },
    });
    await direct.loadMarkets();
    // A thin book: the buy takes several levels as taker, then rests (PARTIALLY_FILLED).
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.5", level_quote: 20 });
    // web-socket-api.md events: the next three execution reports arrive in reverse, and the
    // next two frames twice.
    await sim("/__sim/ws/faults", {
      kind: "reorder",
      api_key: t.apiKey,
      event: "executionReport",
      count: 3,
    });
    await sim("/__sim/ws/faults", { kind: "duplicate", api_key: t.apiKey, count: 2 });
    const clientOrderId = `direct-${crypto.randomUUID().slice(0, 12)}`;
    const placed = await direct.createOrder("XRP/USDT", "limit", "buy", 300, 0.5003, {
      newClientOrderId: clientOrderId,
    });
    assert.equal(placed.status, "open");
    assert.ok(Number(placed.filled) > 0, "partly filled as taker");

    const partial = await poll("partial fills recorded", async () => {
      const r = await orderRow(clientOrderId);
      return r && Number(r.filled) === Number(placed.filled) ? r : undefined;
    });
    assert.equal(partial.status, "open");

    // The next report is lost with the connection; the run reconnects and looks the open
    // orders up, so the last fill is recorded all the same.
    await sim("/__sim/ws/faults", { kind: "drop", api_key: t.apiKey, count: 1 });
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.4990", level_quote: 1e7 });
    const closed = await poll("order closed", async () => {
      const r = await orderRow(clientOrderId);
      return r?.status === "closed" ? r : undefined;
    }, 15_000);
    assert.equal(Number(closed.filled), 300);
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.5" });

    const onExchange = await sim<{ trades: { orderId: number; tradeId: number; qty: string }[] }>(
      `/__sim/accounts/${t.apiKey}`,
    );
    const expected = onExchange.trades.filter((tr) => String(tr.orderId) === placed.id);
    assert.ok(expected.length >= 3, "several fills");
    await withSql(async (sql) => {
      const fills = await sql`select exchange_trade_id, amount::text from public.fills
                              where order_id = ${closed.id}
                              order by created_at, exchange_trade_id`;
      // Once each: exactly Binance's trades, no more.
      assert.deepEqual(
        fills.map((f) => f.exchange_trade_id).sort(),
        expected.map((tr) => String(tr.tradeId)).sort(),
      );
      // In order: applied in the order Binance executed them, despite the reordering.
      const ids = fills.map((f) => Number(f.exchange_trade_id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      const [pos] = await sql`select quantity::text from public.positions
                              where account_id = ${account} and symbol = 'XRP/USDT'
                                and status = 'open'`;
      assert.equal(Number(pos.quantity), 299.7);
    });

    const done = await run;
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.ok(done.body.duplicates >= 1, JSON.stringify(done.body));
    assert.ok(done.body.reconnects >= 1, JSON.stringify(done.body));
    assert.ok(done.body.gaps >= 1, JSON.stringify(done.body));
  },
});

Deno.test({
  name: "stream-fills: a revoked key ends that account's subscription, not the other's",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // A second account of the same user, with its own Binance key.
    const secondKey = `${MARKER_KEY}${crypto.randomUUID().replaceAll("-", "")}`;
    const secondSecret = `${MARKER_SECRET}${crypto.randomUUID().replaceAll("-", "")}`;
    await sim("/__sim/accounts", {
      api_key: secondKey,
      secret: secondSecret,
      balances: { USDT: "1000" },
    });
    const saved = await t.call("exchange-keys", {
      api_key: secondKey,
      secret: secondSecret,
      label: "second",
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const first = await accountId(t.userId);
    const second = await accountId(t.userId, "second");

    await placeResting(t, "DOGE/USDT", "100", "0.09000");
    const res = await t.call("create-order", {
      account: "second",
      symbol: "DOGE/USDT",
      side: "buy",
      type: "limit",
      amount: "100",
      price: "0.09000",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const secondOrder = res.body.order;

    const run = startRun(t.userId);
    await subscribed(first);
    await subscribed(second);
    await sim("/__sim/ws/revoke", { api_key: t.apiKey });

    await sim("/__sim/prices", { symbol: "DOGEUSDT", price: "0.08990" });
    const row = await poll("second account's order closed", async () => {
      const r = await orderRow(secondOrder.client_order_id);
      return r.status === "closed" ? r : undefined;
    });
    assert.equal(Number(row.filled), 100);
    await sim("/__sim/prices", { symbol: "DOGEUSDT", price: "0.1" });

    const done = await run;
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.terminated, 1, JSON.stringify(done.body));
    assert.equal(done.body.subscribe_refused, 1, "the revoked key is refused once, then left");
    assert.equal(done.body.reconnects, 0, "the connection itself was never disturbed");
  },
});

Deno.test({
  name: "stream-fills hands over to the next run without a gap and without REST look-ups",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const account = await accountId(t.userId);
    const order = await placeResting(t, "XRP/USDT", "50", "0.4800");
    // The first run follows the account; the next starts while it still runs, as cron's
    // runs overlap (docs/STREAMING.md).
    const first = startRun(t.userId, 5);
    await subscribed(account);
    const second = startRun(t.userId, 12);
    const firstDone = await first;
    assert.equal(firstDone.status, 200, JSON.stringify(firstDone.body));
    assert.equal(firstDone.body.reconciled_orders, 1, "the account was new to streaming");

    // Only the second run listens now.
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.4790" });
    const row = await poll("order recorded closed", async () => {
      const r = await orderRow(order.client_order_id);
      return r.status === "closed" ? r : undefined;
    });
    assert.equal(Number(row.filled), 50);
    await sim("/__sim/prices", { symbol: "XRPUSDT", price: "0.5" });

    const secondDone = await second;
    assert.equal(secondDone.status, 200, JSON.stringify(secondDone.body));
    assert.ok(secondDone.body.applied >= 1);
    // The first run's lease still held when the second subscribed: nothing to look up.
    assert.equal(secondDone.body.reconciled_orders, 0, JSON.stringify(secondDone.body));
  },
});

Deno.test({
  name: "stream-fills is for service callers only",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("stream-fills", { run_seconds: 1, wait: true });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "UNAUTHORIZED");
    const bad = await callFunction("stream-fills", stackInfo().service_role_key, {
      user_id: t.userId,
      run_seconds: 0,
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "run_seconds");
  },
});
