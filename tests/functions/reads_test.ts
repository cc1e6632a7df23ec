import assert from "node:assert/strict";
import { needsStack, newTrader, withSql } from "../helpers/stack.ts";

Deno.test({
  name: "fetch-balance lists non-zero balances with free, used and total",
  ...needsStack,
  async fn() {
    const t = await newTrader({ balances: { USDT: "250.5", BTC: "0" } });
    const res = await t.call("fetch-balance", undefined, { method: "GET" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body.balances), ["USDT"]);
    assert.equal(Number(res.body.balances.USDT.free), 250.5);
    assert.equal(Number(res.body.balances.USDT.used), 0);
    assert.equal(Number(res.body.balances.USDT.total), 250.5);
  },
});

Deno.test({
  name: "fetch-ticker answers bid, ask and last as decimal strings",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("fetch-ticker", undefined, { query: { symbol: "BTC/USDT" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.symbol, "BTC/USDT");
    for (const k of ["bid", "ask", "last"]) assert.match(res.body[k], /^\d+(\.\d+)?$/);
    assert.ok(Number(res.body.bid) <= Number(res.body.ask));
    const bad = await t.call("fetch-ticker", { symbol: "btc-usdt" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "symbol");
  },
});

Deno.test({
  name: "fetch-markets lists spot markets with precision and limits",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("fetch-markets", { symbol: "BTC/USDT" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.count, 1);
    const [m] = res.body.markets;
    assert.equal(m.base, "BTC");
    assert.equal(Number(m.precision.price), 0.01);
    assert.equal(Number(m.precision.amount), 0.00001);
    assert.equal(Number(m.limits.cost.min), 5);
    const usdt = await t.call("fetch-markets", { quote: "USDT" });
    assert.ok(usdt.body.count > 1);
    assert.ok(usdt.body.markets.every((x: { quote: string }) => x.quote === "USDT"));
    // The shared markets cache holds what the functions keep, without the permission lists
    // (exchange/pool.ts slimMarkets) and with the filters.
    await withSql(async (sql) => {
      const rows = await sql`select source,
                                    markets::text like '%permissionSets%' as lists,
                                    markets::text like '%"LOT_SIZE"%' as filters
                             from trading.markets_cache`;
      assert.ok(rows.length > 0);
      for (const r of rows) assert.deepEqual([r.lists, r.filters], [false, true], r.source);
    });
  },
});

Deno.test({
  name: "fetch-my-trades returns the user's fills and records them once",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "0.002",
    });
    assert.equal(placed.status, 200);
    const res = await t.call("fetch-my-trades", { symbol: "BTC/USDT", limit: 50 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.trades.length >= 1);
    assert.equal(res.body.trades[0].order_id, placed.body.order.id);
    // The create answer already recorded these fills: nothing new to record.
    assert.equal(res.body.fills_recorded, 0);
  },
});

Deno.test({
  name: "fetch-open-orders lists resting orders for one symbol and for all",
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
    assert.equal(placed.status, 200);
    const one = await t.call("fetch-open-orders", { symbol: "BTC/USDT" });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.orders.map((o: { id: string }) => o.id), [placed.body.order.id]);
    const all = await t.call("fetch-open-orders", {});
    assert.equal(all.body.orders.length, 1);
  },
});
