/**
 * The database unavailable before the exchange call (no order may reach the exchange) and
 * after it (the order is found and recorded by sync-orders later). The gateway runs in its
 * own process with its Postgres connections through a proxy the test cuts.
 */
import assert from "node:assert/strict";
import { DbProxy, startGatewayProcess } from "../helpers/gateway.ts";
import {
  callFunction,
  LEAK_RE,
  needsStack,
  newTrader,
  sim,
  stackInfo,
  withSql,
} from "../helpers/stack.ts";

type SimAccount = { orders: { clientOrderId: string; status: string }[] };
const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" };

async function post(url: string, token: string, body: unknown) {
  const res = await fetch(`${url}/functions/v1/create-order`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test({
  name: "with the database down before the exchange call, no order reaches the exchange",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const proxy = new DbProxy(stackInfo().db_url);
    const gateway = await startGatewayProcess({ TRADING_TEST_DB_URL: proxy.url });
    try {
      proxy.cut();
      const res = await post(gateway.url, t.token, { ...order, client_order_id: "db-down-1" });
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "INTERNAL");
      assert.equal(res.body.error.retryable, true);
      const exchange = await sim<SimAccount>(`/__sim/accounts/${t.apiKey}`);
      assert.equal(exchange.orders.length, 0, "nothing reached the exchange");
      proxy.restore();
      const retry = await post(gateway.url, t.token, { ...order, client_order_id: "db-down-1" });
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
    } finally {
      const log = await gateway.stop();
      proxy.close();
      assert.ok(!LEAK_RE.test(log));
    }
  },
});

Deno.test({
  name: "with the database down after the exchange call, sync-orders records the order later",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const proxy = new DbProxy(stackInfo().db_url);
    // The gateway calls this right after Binance acknowledged the order: the test cuts the
    // database there.
    const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
      proxy.cut();
      return new Response("cut");
    });
    const gateway = await startGatewayProcess({
      TRADING_TEST_DB_URL: proxy.url,
      TRADING_AFTER_EXCHANGE_URL: `http://127.0.0.1:${hook.addr.port}/`,
    });
    try {
      const res = await post(gateway.url, t.token, { ...order, client_order_id: "db-down-2" });
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.equal(res.body.error.retryable, true);
      const exchange = await sim<SimAccount>(`/__sim/accounts/${t.apiKey}`);
      assert.equal(exchange.orders.length, 1, "the order was placed");
      const [row] = await withSql((sql) =>
        sql`select status from public.orders where client_order_id = 'db-down-2'
            and user_id = ${t.userId}`
      );
      assert.equal(row.status, "pending");

      const synced = await callFunction("sync-orders", stackInfo().service_role_key, {
        user_id: t.userId,
        min_age_seconds: 0,
      });
      assert.equal(synced.status, 200);
      assert.equal(synced.body.recorded, 1);
      const [after] = await withSql((sql) =>
        sql`select status, exchange_order_id from public.orders
            where client_order_id = 'db-down-2' and user_id = ${t.userId}`
      );
      assert.equal(after.status, "closed");
      const fills = await withSql((sql) =>
        sql`select count(*)::int as n from public.fills where user_id = ${t.userId}`
      );
      assert.equal(fills[0].n, 1);
    } finally {
      await gateway.stop();
      proxy.close();
      await hook.shutdown();
    }
  },
});
