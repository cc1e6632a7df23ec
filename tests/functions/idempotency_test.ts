import assert from "node:assert/strict";
import { lastSimSeq, needsStack, newTrader, simRequests, withSql } from "../helpers/stack.ts";

const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" };

Deno.test({
  name: "the same idempotency key twice returns the same order and places it once",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const key = crypto.randomUUID();
    const since = await lastSimSeq();
    const first = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    const second = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.order.id, first.body.order.id);
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    const placed = (await simRequests(t.apiKey, since)).filter((r) =>
      r.method === "POST" && r.path === "/api/v3/order"
    );
    assert.equal(placed.length, 1);
    await withSql(async (sql) => {
      const rows = await sql`select 1 from public.orders where user_id = ${t.userId}`;
      assert.equal(rows.length, 1);
    });
  },
});

Deno.test({
  name: "the same idempotency key with a different body is 409",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const key = `key-${crypto.randomUUID()}`;
    const first = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(first.status, 200);
    const other = await t.call("create-order", { ...order, amount: "0.002" }, {
      headers: { "idempotency-key": key },
    });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, "IDEMPOTENCY_CONFLICT");
    assert.equal(other.body.error.retryable, false);
  },
});

Deno.test({
  name: "a client_order_id in the body works as the idempotency key",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const id = `cid-${crypto.randomUUID().slice(0, 20)}`;
    const first = await t.call("create-order", { ...order, client_order_id: id });
    const again = await t.call("create-order", { ...order, client_order_id: id });
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.equal(first.body.order.client_order_id, id);
    assert.equal(again.body.order.id, first.body.order.id);
  },
});
