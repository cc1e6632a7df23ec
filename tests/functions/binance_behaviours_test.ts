/**
 * The product on Binance behaviours that the simulator models as documented: commission paid in
 * BNB, a market order by quote amount that the book cannot fill, and a resting order filled
 * over several price moves. BNB/BTC and SOL/ETH are moved by this file alone.
 */
import assert from "node:assert/strict";
import { needsStack, newTrader, sim, withSql } from "../helpers/stack.ts";

Deno.test({
  name: "commission paid in BNB is a fee in another asset: the position keeps the whole amount",
  ...needsStack,
  async fn() {
    const t = await newTrader({ balances: { USDT: "100000", BNB: "10" } });
    // faqs/commission_faq.md: with the BNB discount on, commission is charged in BNB.
    await sim("/__sim/fees", { api_key: t.apiKey, bnb_burn: true });
    const res = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "0.001",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.order.status, "closed");
    assert.equal(res.body.order.fee?.currency, "BNB");
    const position = res.body.position;
    assert.equal(Number(position.quantity), 0.001, "no base-asset fee taken off");
    assert.equal(Number(position.fees_base), 0);
    assert.ok(Number(position.fees_other.BNB) > 0, JSON.stringify(position.fees_other));
  },
});

Deno.test({
  name: "a market buy by quote amount larger than the book ends expired, with what it filled",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // faqs/market_orders_faq.md: what the book cannot fill of a quoteOrderQty order expires.
    await sim("/__sim/prices", { symbol: "BNBBTC", price: "0.012", level_quote: 0.0005 });
    try {
      const res = await t.call("create-order", {
        symbol: "BNB/BTC",
        side: "buy",
        type: "market",
        cost: "0.01",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const order = res.body.order;
      assert.equal(order.status, "expired");
      assert.ok(Number(order.filled) > 0, "part of it filled");
      assert.ok(Number(order.cost) < 0.01, `spent ${order.cost} of 0.01`);
      const fills = await withSql((sql) =>
        sql`select sum(amount)::text as amount from public.fills where user_id = ${t.userId}`
      );
      assert.equal(Number(fills[0].amount), Number(order.filled));
      const rows = await withSql((sql) =>
        sql`select status from public.orders where user_id = ${t.userId}`
      );
      assert.deepEqual(rows.map((r) => r.status), ["expired"]);
    } finally {
      await sim("/__sim/prices", { symbol: "BNBBTC", price: "0.012", level_quote: 100 });
    }
  },
});

Deno.test({
  name: "a resting order filled over several price moves is recorded fill by fill, in order",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "SOL/ETH",
      side: "buy",
      type: "limit",
      amount: "1",
      price: "0.049",
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    const ref = { symbol: "SOL/ETH", id: placed.body.order.id };
    try {
      // Each move across the order fills one book level's quantity (0.3 SOL) as maker.
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        await sim("/__sim/prices", { symbol: "SOLETH", price: "0.0485", level_quote: 0.01455 });
        const got = await t.call("fetch-order", ref);
        assert.equal(got.status, 200, JSON.stringify(got.body));
        seen.push(`${got.body.order.status}:${Number(got.body.order.filled)}`);
      }
      assert.deepEqual(seen, ["open:0.3", "open:0.6", "open:0.9", "closed:1"]);
      const fills = await withSql((sql) =>
        sql`select amount::text, exchange_trade_id from public.fills
            where user_id = ${t.userId} order by created_at`
      );
      assert.deepEqual(fills.map((f) => Number(f.amount)), [0.3, 0.3, 0.3, 0.1]);
      const ids = fills.map((f) => BigInt(f.exchange_trade_id));
      assert.deepEqual([...ids].sort((a, b) => (a < b ? -1 : 1)), ids, "in trade order");
      const final = await t.call("fetch-order", ref);
      assert.equal(final.status, 200, JSON.stringify(final.body));
      // 0.1% commission in SOL on each buy fill (faqs/commission_faq.md).
      assert.equal(Number(final.body.position.quantity), 0.999);
    } finally {
      await sim("/__sim/prices", { symbol: "SOLETH", price: "0.05", level_quote: 100 });
    }
  },
});
