/**
 * Exchange faults: each case asserts the HTTP answer, the orders table, the exchange's own
 * orders and the position, which must agree.
 */
import assert from "node:assert/strict";
import { callFunction, needsStack, newTrader, sim, stackInfo, withSql } from "../helpers/stack.ts";

type SimAccount = { orders: { clientOrderId: string; status: string }[] };
const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" } as const;

/** A fault on the next matching request signed with this trader's key only. */
async function fault(apiKey: string, kind: string, extra: Record<string, unknown> = {}) {
  await sim("/__sim/faults", { kind, count: 1, api_key: apiKey, ...extra });
}

async function state(userId: string, apiKey: string) {
  const exchange = await sim<SimAccount>(`/__sim/accounts/${apiKey}`);
  const rows = await withSql((sql) =>
    sql`select client_order_id, status, exchange_order_id from public.orders
        where user_id = ${userId} order by created_at`
  );
  return { exchange: exchange.orders, rows };
}

Deno.test({
  name: "a timeout after the order executed is answered with the order, recorded once",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    await fault(t.apiKey, "timeout_after_execute", {
      method: "POST",
      path: "/api/v3/order",
      latency_ms: 5000,
    });
    const res = await t.call("create-order", { ...order, client_order_id: "timeout-executed" });
    // The function looked the order up by its client order id and found it.
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.order.status, "closed");
    const s = await state(t.userId, t.apiKey);
    assert.equal(s.exchange.length, 1);
    assert.equal(s.rows.length, 1);
    assert.equal(s.rows[0].status, "closed");
    assert.equal(Number(res.body.position.quantity), 0.000999);
  },
});

Deno.test({
  name: "a 5xx before execution leaves the order pending; the same key at once places it once",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const key = `fault-5xx-${crypto.randomUUID().slice(0, 8)}`;
    await fault(t.apiKey, "http_503", { method: "POST", path: "/api/v3/order" });
    const first = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(first.status, 503, JSON.stringify(first.body));
    assert.equal(first.body.error.retryable, true);
    let s = await state(t.userId, t.apiKey);
    assert.equal(s.exchange.length, 0);
    assert.deepEqual(s.rows.map((r) => r.status), ["pending"]);

    // The lease ended with the first answer: the retry looks the order up, finds nothing and
    // places it, with no wait and no 409 (the money-safety issue, item 4).
    const retry = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    s = await state(t.userId, t.apiKey);
    assert.equal(s.exchange.length, 1, "placed exactly once");
    assert.deepEqual(s.rows.map((r) => r.status), ["closed"]);
  },
});

Deno.test({
  name: "clock skew (-1021) is resynced once and the order goes through",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    await fault(t.apiKey, "clock_skew", { method: "POST", path: "/api/v3/order" });
    const res = await t.call("create-order", order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await state(t.userId, t.apiKey)).exchange.length, 1);
  },
});

Deno.test({
  name: "reads survive a connection reset and a 5xx by retrying; orders are not resent",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    await fault(t.apiKey, "reset", { method: "GET", path: "/api/v3/account" });
    await fault(t.apiKey, "http_500", { method: "GET", path: "/api/v3/account" });
    const balance = await t.call("fetch-balance", {});
    assert.equal(balance.status, 200, JSON.stringify(balance.body));

    await fault(t.apiKey, "reset", { method: "POST", path: "/api/v3/order" });
    const res = await t.call("create-order", { ...order, client_order_id: "reset-order" });
    // A reset before Binance answered: status unknown, looked up, not there: 503, pending.
    assert.equal(res.status, 503, JSON.stringify(res.body));
    const s = await state(t.userId, t.apiKey);
    assert.equal(s.exchange.length, 0, "never sent twice, never sent blindly");
    assert.deepEqual(s.rows.map((r) => r.status), ["pending"]);
  },
});

Deno.test({
  name: "an exchange that is down for a while answers 503 and writes nothing for reads",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // One read's whole budget: the first attempt and its 3 retries.
    await fault(t.apiKey, "http_503", { count: 4, method: "GET", path: "/api/v3/account" });
    const res = await t.call("fetch-balance", {});
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, "EXCHANGE_UNAVAILABLE");
    assert.equal((await t.call("fetch-balance", {})).status, 200);
    const sync = await callFunction("sync-orders", stackInfo().service_role_key, {
      user_id: t.userId,
    });
    assert.equal(sync.status, 200);
  },
});
