/**
 * Matching: self-trade prevention by the taker's mode (faqs/stp_faq.md, enums.md
 * "EXPIRED_IN_MATCH"), and resting orders that fill partly over several price moves, best
 * price first, in time order (rest-api.md "Account trade list").
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

type SimOrder = {
  orderId: number;
  status: string;
  executedQty: string;
  preventedQuantity?: string;
};

async function simOrder(sim: Parameters<typeof control>[0], key: string, id: string) {
  const acct = await control<{ orders: SimOrder[] }>(sim, `/__sim/accounts/${key}`);
  return acct.orders.find((o) => String(o.orderId) === id)!;
}

Deno.test({
  name: "STP: a taker crossing its own resting order expires the maker (default EXPIRE_MAKER)",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // At the best ask: the account's own sell is first in line at that price.
      const maker = await t.exchange.createOrder("BTC/USDT", "limit", "sell", 0.01, 50005);
      assert.equal(maker.status, "open");
      const taker = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01);
      assert.equal(taker.info.status, "FILLED", "the taker fills from the rest of the book");
      assert.equal(taker.info.selfTradePreventionMode, "EXPIRE_MAKER");
      const m = await simOrder(sim, t.api_key, maker.id as string);
      assert.equal(m.status, "EXPIRED_IN_MATCH");
      assert.equal(m.preventedQuantity, "0.01000000");
      assert.equal(m.executedQty, "0.00000000");
      const bal = await t.exchange.fetchBalance();
      assert.equal(bal.BTC.used, 0, "the expired maker's BTC is no longer locked");
      const fetched = await t.exchange.fetchOrder(maker.id as string, "BTC/USDT");
      assert.equal(fetched.status, "expired");
    }),
});

Deno.test({
  name: "STP: EXPIRE_TAKER and EXPIRE_BOTH expire the taker in match; NONE is not allowed",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const maker = await t.exchange.createOrder("BTC/USDT", "limit", "sell", 0.01, 50005);
      const taker = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, {
        selfTradePreventionMode: "EXPIRE_TAKER",
      });
      assert.equal(taker.info.status, "EXPIRED_IN_MATCH");
      assert.equal(taker.info.executedQty, "0.00000000");
      assert.equal((await simOrder(sim, t.api_key, maker.id as string)).status, "NEW");
      const both = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, {
        selfTradePreventionMode: "EXPIRE_BOTH",
      });
      assert.equal(both.info.status, "EXPIRED_IN_MATCH");
      assert.equal((await simOrder(sim, t.api_key, maker.id as string)).status, "EXPIRED_IN_MATCH");
      // exchangeInfo allowedSelfTradePreventionModes does not list NONE.
      await assert.rejects(
        () =>
          t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, {
            selfTradePreventionMode: "NONE",
          }),
        (e: Error) => e instanceof ccxt.BadRequest && /-1130/.test(e.message),
      );
    }),
});

Deno.test({
  name: "a resting order fills partly over several price moves; fills in time order",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // Each price move trades one book level (just under 0.02 BTC on this thin book).
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "50000", level_quote: 1000 });
      const o = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.05, 49000);
      const statuses: string[] = [];
      for (const price of ["48990", "48980", "48970"]) {
        await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price });
        statuses.push((await t.exchange.fetchOrder(o.id as string, "BTC/USDT")).info.status);
      }
      assert.deepEqual(statuses, ["PARTIALLY_FILLED", "PARTIALLY_FILLED", "FILLED"]);
      const trades = await t.exchange.fetchMyTrades("BTC/USDT");
      assert.equal(trades.length, 3);
      const ids = trades.map((x) => Number(x.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "trade ids grow");
      assert.ok(trades.every((x) => x.price === 49000 && x.takerOrMaker === "maker"));
      assert.equal(trades.reduce((s, x) => s + (x.amount ?? 0), 0).toFixed(5), "0.05000");
      const bal = await t.exchange.fetchBalance();
      assert.equal(bal.USDT.used, 0, "nothing stays locked once filled");
    }),
});

Deno.test({
  name: "a price move fills the best-priced resting order first, then the older one",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "50000", level_quote: 1000 });
      const older = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.015, 49000);
      const better = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.015, 49500);
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "48000" });
      const b = await t.exchange.fetchOrder(better.id as string, "BTC/USDT");
      const o = await t.exchange.fetchOrder(older.id as string, "BTC/USDT");
      assert.equal(b.info.status, "FILLED");
      assert.equal(o.info.status, "PARTIALLY_FILLED");
      assert.ok((o.filled ?? 0) > 0 && (o.filled ?? 0) < 0.015);
    }),
});

Deno.test({
  name: "STP DECREMENT expires the smaller side; LIMIT_MAKER that would take is refused",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const maker = await t.exchange.createOrder("BTC/USDT", "limit", "sell", 0.01, 50005);
      // faqs/stp_faq.md DECREMENT: both lose the prevented quantity; the smaller expires.
      const taker = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.004, undefined, {
        selfTradePreventionMode: "DECREMENT",
      });
      assert.equal(taker.info.status, "EXPIRED_IN_MATCH");
      const m = await simOrder(sim, t.api_key, maker.id as string);
      assert.equal(m.status, "NEW");
      assert.equal(m.preventedQuantity, "0.00400000");
      const bal = await t.exchange.fetchBalance();
      assert.ok(Math.abs((bal.BTC.used ?? 0) - 0.006) < 1e-12, "only the rest stays locked");
      // errors.md "Order would immediately match and take." (-2010).
      await assert.rejects(
        () =>
          t.exchange.privatePostOrder({
            symbol: "BTCUSDT",
            side: "BUY",
            type: "LIMIT_MAKER",
            quantity: "0.001",
            price: "50010",
          }),
        (e: Error) => /immediately match and take/.test(e.message),
      );
      const rests = await t.exchange.privatePostOrder({
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT_MAKER",
        quantity: "0.001",
        price: "49000",
      });
      assert.equal(rests.status, "NEW");
    }),
});
