import assert from "node:assert/strict";
import { lastSimSeq, needsStack, newTrader, sim, simRequests, withSql } from "../helpers/stack.ts";

Deno.test({
  name: "create-order market buy records the order, its fills and the position",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const { data, error } = await t.client.functions.invoke("create-order", {
      body: { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.01" },
    });
    assert.equal(error, null, String(error));
    assert.equal(data.order.status, "closed");
    assert.equal(data.order.filled, "0.01");
    assert.equal(data.position.status, "open");
    await withSql(async (sql) => {
      const [order] = await sql`select status, filled::text, exchange_order_id from public.orders
                                 where user_id = ${t.userId}`;
      assert.equal(order.status, "closed");
      assert.equal(order.filled, "0.01");
      assert.equal(order.exchange_order_id, data.order.id);
      const fills = await sql`select amount, fee_cost, fee_currency from public.fills
                              where user_id = ${t.userId}`;
      assert.ok(fills.length >= 1);
      const [pos] = await sql`select quantity::text, status from public.positions
                              where user_id = ${t.userId}`;
      // 0.1% commission is charged in BTC on a buy: the position holds 0.00999.
      assert.equal(Number(pos.quantity), 0.00999);
    });
  },
});

Deno.test({
  name: "create-order market buy by cost spends the quote amount",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      cost: "100",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.order.status, "closed");
    // Binance buys whole lot steps for the quote amount: it spends at most `cost`, and less
    // only by under one step's worth (0.00001 BTC at ~50,000).
    const cost = Number(res.body.order.cost);
    assert.ok(cost <= 100 && cost > 99.4, res.body.order.cost);
    const account = await sim<{ balances: Record<string, { free: string }> }>(
      `/__sim/accounts/${t.apiKey}`,
    );
    assert.equal(Number(account.balances.USDT.free), Number((100000 - cost).toFixed(8)));
  },
});

Deno.test({
  name: "a warm create-order sends exactly one request to the exchange",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const body = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" };
    assert.equal((await t.call("create-order", body)).status, 200);
    const since = await lastSimSeq();
    const res = await t.call("create-order", body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const requests = await simRequests(t.apiKey, since);
    assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), ["POST /api/v3/order"]);
  },
});

Deno.test({
  name: "create-order returns 422 when funds are short and records the rejection",
  ...needsStack,
  async fn() {
    const t = await newTrader({ balances: { USDT: "10" } });
    const res = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "1",
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "INSUFFICIENT_FUNDS");
    assert.equal(res.body.error.retryable, false);
    await withSql(async (sql) => {
      const rows = await sql`select status from public.orders where user_id = ${t.userId}`;
      assert.deepEqual(rows.map((r) => r.status), ["rejected"]);
    });
  },
});

Deno.test({
  name: "create-order returns 400 naming the field when the amount breaks LOT_SIZE",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const since = await lastSimSeq();
    const res = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.000001",
      price: "100",
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
    assert.equal(res.body.error.field, "amount");
    assert.match(res.body.error.message, /at least|multiple/);
    assert.equal((await simRequests(t.apiKey, since)).length, 0);
    await withSql(async (sql) => {
      assert.equal((await sql`select 1 from public.orders where user_id = ${t.userId}`).length, 0);
    });
  },
});

Deno.test({
  name: "create-order returns 400 BAD_SYMBOL for a symbol Binance does not list",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("create-order", {
      symbol: "NOPE/USDT",
      side: "buy",
      type: "market",
      amount: "1",
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "BAD_SYMBOL");
    assert.equal(res.body.error.field, "symbol");
  },
});

Deno.test({
  name: "create-order rejects unknown fields and a limit order without price",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const unknown = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "0.001",
      leverage: 10,
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.field, "leverage");
    const noPrice = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.001",
    });
    assert.equal(noPrice.status, 400);
    assert.equal(noPrice.body.error.field, "price");
  },
});
