import assert from "node:assert/strict";
import { needsStack, newTrader, sim, withSql } from "../helpers/stack.ts";

type Ticker = { bid: string; ask: string; last: string };

Deno.test({
  name: "a resting limit buy fills after a price move and fetch-order updates the position",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // ETH/USDT is moved by this test alone; other tests trade BTC/USDT.
    const ticker = (await t.call("fetch-ticker", { symbol: "ETH/USDT" })).body as Ticker;
    const below = (Math.floor(Number(ticker.bid) * 0.9 * 100) / 100).toFixed(2);
    const placed = await t.call("create-order", {
      symbol: "ETH/USDT",
      side: "buy",
      type: "limit",
      amount: "0.5",
      price: below,
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    assert.equal(placed.body.order.status, "open");
    assert.equal(placed.body.position, null);

    const before = await sim<{ balances: Record<string, { free: string; locked: string }> }>(
      `/__sim/accounts/${t.apiKey}`,
    );
    assert.ok(Number(before.balances.USDT.locked) > 0, "funds are locked while the order rests");

    try {
      await sim("/__sim/prices", { symbol: "ETHUSDT", price: (Number(below) * 0.99).toFixed(2) });
      const fetched = await t.call("fetch-order", { symbol: "ETH/USDT", id: placed.body.order.id });
      assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
      assert.equal(fetched.body.order.status, "closed");
      assert.equal(fetched.body.order.filled, "0.5");
      assert.equal(fetched.body.position.status, "open");
      assert.equal(Number(fetched.body.position.entry_price), Number(below));
      await withSql(async (sql) => {
        const fills = await sql`select count(*)::int as n from public.fills
                                where user_id = ${t.userId}`;
        assert.equal(fills[0].n >= 1, true);
      });
    } finally {
      await sim("/__sim/prices", { symbol: "ETHUSDT", price: ticker.last });
    }
  },
});

Deno.test({
  name: "cancel-order cancels a resting order and releases its funds",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "20000",
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    const canceled = await t.call("cancel-order", {
      symbol: "BTC/USDT",
      client_order_id: placed.body.order.client_order_id,
    });
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    assert.equal(canceled.body.order.status, "canceled");
    const account = await sim<{ balances: Record<string, { free: string; locked: string }> }>(
      `/__sim/accounts/${t.apiKey}`,
    );
    assert.equal(Number(account.balances.USDT.locked), 0);
    assert.equal(Number(account.balances.USDT.free), 100000);
    const open = await t.call("fetch-open-orders", undefined, { query: { symbol: "BTC/USDT" } });
    assert.equal(open.status, 200);
    assert.equal(open.body.orders.length, 0);
    await withSql(async (sql) => {
      const [row] = await sql`select status from public.orders where user_id = ${t.userId}`;
      assert.equal(row.status, "canceled");
    });
  },
});
