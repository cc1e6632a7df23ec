import assert from "node:assert/strict";
import { callFunction, needsStack, newTrader, sim, stackInfo, withSql } from "../helpers/stack.ts";

type SimAccount = {
  balances: Record<string, { free: string; locked: string }>;
  orders: { clientOrderId: string; status: string; executedQty: string }[];
};

Deno.test({
  name: "the same idempotency key sent 20 times at once places exactly one order",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const key = crypto.randomUUID();
    const body = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" };
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        () => t.call("create-order", body, { headers: { "idempotency-key": key } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    for (const r of results) {
      assert.ok(
        r.status === 200 || (r.status === 409 && r.body.error.retryable === true),
        `${r.status} ${JSON.stringify(r.body)}`,
      );
    }
    assert.ok(statuses.includes(200));
    const ids = new Set(results.filter((r) => r.status === 200).map((r) => r.body.order.id));
    assert.equal(ids.size, 1, "every answer names the same order");
    const account = await sim<SimAccount>(`/__sim/accounts/${t.apiKey}`);
    assert.equal(account.orders.length, 1, "one order reached the exchange");
    await withSql(async (sql) => {
      const rows = await sql`select status from public.orders where user_id = ${t.userId}`;
      assert.equal(rows.length, 1);
      assert.equal(rows[0].status, "closed");
    });
    // A late retry with the same key reads the same order.
    const again = await t.call("create-order", body, { headers: { "idempotency-key": key } });
    assert.equal(again.status, 200);
    assert.equal(again.body.order.id, [...ids][0]);
  },
});

Deno.test({
  name: "a cancel racing a fill ends in one consistent state in the database and the exchange",
  ...needsStack,
  async fn() {
    for (let round = 0; round < 5; round++) {
      const t = await newTrader();
      // SOL/USDT is moved by this test alone.
      const placed = await t.call("create-order", {
        symbol: "SOL/USDT",
        side: "buy",
        type: "limit",
        amount: "1",
        price: "140",
      });
      assert.equal(placed.status, 200, JSON.stringify(placed.body));
      const ref = { symbol: "SOL/USDT", id: placed.body.order.id };
      const [cancel] = await Promise.all([
        t.call("cancel-order", ref),
        sim("/__sim/prices", { symbol: "SOLUSDT", price: "139.5" }),
      ]);
      await sim("/__sim/prices", { symbol: "SOLUSDT", price: "150" });
      const fetched = await t.call("fetch-order", ref);
      assert.equal(fetched.status, 200);
      const account = await sim<SimAccount>(`/__sim/accounts/${t.apiKey}`);
      const exchangeStatus = account.orders[0].status;
      if (cancel.status === 200) {
        assert.equal(exchangeStatus, "CANCELED");
        assert.equal(fetched.body.order.status, "canceled");
      } else {
        // The fill won: cancel reports the order is no longer open.
        assert.equal(cancel.status, 422, JSON.stringify(cancel.body));
        assert.equal(exchangeStatus, "FILLED");
        assert.equal(fetched.body.order.status, "closed");
        assert.equal(Number(fetched.body.position.quantity), Number(account.balances.SOL.free));
      }
      assert.equal(Number(account.balances.USDT.locked), 0);
    }
  },
});

Deno.test({
  name: "fetch-order and sync-orders racing on a filled order record its fills once",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "BNB/USDT",
      side: "buy",
      type: "limit",
      amount: "2",
      price: "590",
    });
    assert.equal(placed.status, 200);
    await sim("/__sim/prices", { symbol: "BNBUSDT", price: "589" });
    try {
      const ref = { symbol: "BNB/USDT", id: placed.body.order.id };
      await Promise.all([
        t.call("fetch-order", ref),
        callFunction("sync-orders", stackInfo().service_role_key, {
          user_id: t.userId,
          min_age_seconds: 0,
        }),
        t.call("fetch-order", ref),
        t.call("fetch-my-trades", { symbol: "BNB/USDT" }),
      ]);
      await withSql(async (sql) => {
        const fills = await sql`select amount::text from public.fills where user_id = ${t.userId}`;
        assert.equal(fills.length, 1, "one fill, recorded once");
        const positions = await sql`select quantity::text from public.positions
                                    where user_id = ${t.userId}`;
        // One position, moved once: 2 BNB bought, 0.1% commission in BNB.
        assert.equal(positions.length, 1, "no second (empty) position from a racing recorder");
        assert.equal(Number(positions[0].quantity), 1.998);
      });
    } finally {
      await sim("/__sim/prices", { symbol: "BNBUSDT", price: "600" });
    }
  },
});
