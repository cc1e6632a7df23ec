import assert from "node:assert/strict";
import { callFunction, needsStack, newTrader, sim, stackInfo, withSql } from "../helpers/stack.ts";

Deno.test({
  name: "sync-orders settles an order left pending by an exchange timeout",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const clientOrderId = `sync-${crypto.randomUUID().slice(0, 18)}`;
    // The order executes but its answer never arrives, and the look-up that follows fails
    // too: the function cannot know, so the order stays pending.
    await sim("/__sim/faults", {
      method: "POST",
      path: "/api/v3/order",
      kind: "timeout_after_execute",
      count: 1,
      api_key: t.apiKey,
    });
    await sim("/__sim/faults", {
      method: "GET",
      path: "/api/v3/order",
      kind: "http_503",
      count: 4,
      api_key: t.apiKey,
    });
    try {
      const res = await t.call("create-order", {
        symbol: "BTC/USDT",
        side: "buy",
        type: "market",
        amount: "0.001",
        client_order_id: clientOrderId,
      });
      assert.ok([503, 504].includes(res.status), `${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.retryable, true);
    } finally {
      // Left-over faults of this key (if any) would only ever hit this test's own requests.
    }
    await withSql(async (sql) => {
      const [row] = await sql`select status from public.orders
                              where client_order_id = ${clientOrderId}`;
      assert.equal(row.status, "pending");
    });

    const synced = await callFunction("sync-orders", stackInfo().service_role_key, {
      user_id: t.userId,
      min_age_seconds: 0,
    });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.equal(synced.body.recorded, 1);

    await withSql(async (sql) => {
      const [row] = await sql`select status, filled::text from public.orders
                              where client_order_id = ${clientOrderId}`;
      assert.equal(row.status, "closed");
      assert.equal(Number(row.filled), 0.001);
      const [pos] = await sql`select quantity::text from public.positions
                              where user_id = ${t.userId} and status = 'open'`;
      assert.equal(Number(pos.quantity), 0.000999);
    });
    const account = await sim<{ orders: unknown[] }>(`/__sim/accounts/${t.apiKey}`);
    assert.equal(account.orders.length, 1, "exactly one order reached the exchange");
  },
});

Deno.test({
  name: "a user caller's sync-orders covers only their own orders, even with all_users",
  ...needsStack,
  async fn() {
    // Another user has an open order that a sync for all users would check.
    const other = await newTrader();
    const resting = await other.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "20000",
    });
    assert.equal(resting.status, 200);
    const t = await newTrader();
    const res = await t.call("sync-orders", { all_users: true });
    // A user caller always acts for itself; all_users is only meaningful for services.
    assert.equal(res.status, 200);
    assert.equal(res.body.checked, 0);
    const theirs = await other.call("sync-orders", {});
    assert.equal(theirs.body.checked, 1, "the other user's sync does see its open order");
  },
});
