/**
 * Nothing lost, nothing sent twice, against the answers Binance documents. Each case drives
 * create-order through real HTTP, Postgres, ccxt and the simulator, then compares what the
 * caller was told, what the orders table holds and what the exchange has.
 */
import assert from "node:assert/strict";
import { callFunction, needsStack, newTrader, sim, stackInfo, withSql } from "../helpers/stack.ts";

type SimAccount = { orders: { clientOrderId: string; status: string }[] };
const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" } as const;

async function exchangeOrders(apiKey: string) {
  return (await sim<SimAccount>(`/__sim/accounts/${apiKey}`)).orders;
}

async function rows(userId: string) {
  return await withSql((sql) =>
    sql`select client_order_id, status, error from public.orders
        where user_id = ${userId} order by created_at`
  );
}

// rest-api.md "HTTP Return Codes": a 5XX means the execution status is UNKNOWN and could have
// been a success; errors.md lists these codes as such ("Execution status unknown", ...).
const UNKNOWN_STATUS = [
  { status: 500, code: -1000 },
  { status: 503, code: -1001 },
  { status: 502, code: -1006 },
  { status: 500, code: -1007 },
  { status: 503, code: -1008 },
];

Deno.test({
  name: "a 5xx with Binance's JSON body after execution is answered with the order, recorded once",
  ...needsStack,
  async fn() {
    for (const { status, code } of UNKNOWN_STATUS) {
      const t = await newTrader();
      await sim("/__sim/faults", {
        kind: "server_error",
        status,
        code,
        execute: true,
        method: "POST",
        path: "/api/v3/order",
        api_key: t.apiKey,
      });
      const res = await t.call("create-order", order, {
        headers: { "idempotency-key": `executed-${-code}` },
      });
      // Today's main recorded these `rejected` and told the caller "not retryable".
      assert.equal(res.status, 200, `${code}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.order.status, "closed", `${code}`);
      const onExchange = await exchangeOrders(t.apiKey);
      assert.equal(onExchange.length, 1, `${code}: one order on Binance`);
      assert.deepEqual((await rows(t.userId)).map((r) => r.status), ["closed"], `${code}`);
    }
  },
});

Deno.test({
  name: "a 5xx with Binance's JSON body before execution stays pending and a retry places it once",
  ...needsStack,
  async fn() {
    for (const { status, code } of UNKNOWN_STATUS) {
      const t = await newTrader();
      const key = `unknown-${-code}-${crypto.randomUUID().slice(0, 6)}`;
      await sim("/__sim/faults", {
        kind: "server_error",
        status,
        code,
        method: "POST",
        path: "/api/v3/order",
        api_key: t.apiKey,
      });
      const first = await t.call("create-order", order, { headers: { "idempotency-key": key } });
      assert.ok([503, 504].includes(first.status), `${code}: ${JSON.stringify(first.body)}`);
      assert.equal(first.body.error.retryable, true, `${code}: the caller is told to retry`);
      assert.equal(first.body.error.details?.exchange_code, code);
      assert.deepEqual((await rows(t.userId)).map((r) => r.status), ["pending"], `${code}`);
      assert.equal((await exchangeOrders(t.apiKey)).length, 0);

      const retry = await t.call("create-order", order, { headers: { "idempotency-key": key } });
      assert.equal(retry.status, 200, `${code}: ${JSON.stringify(retry.body)}`);
      assert.equal((await exchangeOrders(t.apiKey)).length, 1, `${code}: placed exactly once`);
      const again = await t.call("create-order", order, { headers: { "idempotency-key": key } });
      assert.equal(again.status, 200);
      assert.equal(again.body.order.id, retry.body.order.id, "the same key returns the same order");
      assert.equal((await exchangeOrders(t.apiKey)).length, 1);
    }
  },
});

Deno.test({
  name: "a 5xx with a plain-text or empty body is ambiguous too, never a rejection",
  ...needsStack,
  async fn() {
    for (const body of ["text", "empty"]) {
      const t = await newTrader();
      await sim("/__sim/faults", {
        kind: "server_error",
        status: 502,
        body,
        execute: true,
        method: "POST",
        path: "/api/v3/order",
        api_key: t.apiKey,
      });
      const res = await t.call("create-order", order);
      assert.equal(res.status, 200, `${body}: ${JSON.stringify(res.body)}`);
      assert.deepEqual((await rows(t.userId)).map((r) => r.status), ["closed"]);
    }
  },
});

Deno.test({
  name: "an order sync-orders found never received is placed by the same request again",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const key = `not-received-${crypto.randomUUID().slice(0, 8)}`;
    await sim("/__sim/faults", {
      kind: "server_error",
      status: 503,
      code: -1001,
      method: "POST",
      path: "/api/v3/order",
      api_key: t.apiKey,
    });
    const first = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(first.status, 503);
    // Past recvWindow's bound (60 s) Binance can no longer execute it: sync marks it.
    await withSql((sql) =>
      sql`update public.orders set created_at = now() - interval '5 minutes'
          where user_id = ${t.userId}`
    );
    const info = stackInfo();
    const synced = await callFunction("sync-orders", info.service_role_key, {
      user_id: t.userId,
    });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.equal(synced.body.not_received, 1);
    assert.deepEqual((await rows(t.userId)).map((r) => r.error?.code), ["NOT_RECEIVED"]);

    // Never "200 rejected": Binance never saw this key, so the same request places it.
    const retry = await t.call("create-order", order, { headers: { "idempotency-key": key } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.order.status, "closed");
    assert.equal((await exchangeOrders(t.apiKey)).length, 1);
    // A different body under that key is still a conflict.
    const other = await t.call("create-order", { ...order, amount: "0.002" }, {
      headers: { "idempotency-key": key },
    });
    assert.equal(other.status, 409);
  },
});

Deno.test({
  name: "client order ids follow Binance Spot's pattern: keys outside it are hashed, ids refused",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // fix-api.md "Client order ID fields": ^[a-zA-Z0-9-_]{1,36}$ (no ':' '.' '/').
    const res = await t.call("create-order", order, { headers: { "idempotency-key": "order:42" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.order.client_order_id, /^[a-zA-Z0-9_-]{1,36}$/);
    const onExchange = await exchangeOrders(t.apiKey);
    assert.deepEqual(onExchange.map((o) => o.clientOrderId), [res.body.order.client_order_id]);

    const bad = await t.call("create-order", { ...order, client_order_id: "order:43" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "client_order_id");
    assert.equal((await exchangeOrders(t.apiKey)).length, 1, "nothing more was sent");
  },
});
