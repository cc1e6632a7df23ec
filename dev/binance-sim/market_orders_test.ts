/**
 * faqs/market_orders_faq.md: a MARKET order fills what the book holds and the rest expires
 * (status EXPIRED), by quantity or by quoteOrderQty; without the balance for the whole
 * order it is rejected (-2010) before anything fills.
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

type SimAccount = { balances: Record<string, { free: string }>; orders: unknown[] };

// Thin book: each of the 5 levels holds just under 0.02 BTC, about 5,000 USDT in all.
const thin = { symbol: "BTCUSDT", price: "50000", level_quote: 1000 };

Deno.test({
  name: "by quoteOrderQty, what the book cannot fill expires: EXPIRED with the fills",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await control(sim, "/__sim/prices", thin);
      const buy = await t.exchange.createMarketBuyOrderWithCost("BTC/USDT", 10000);
      assert.equal(buy.info.status, "EXPIRED");
      assert.equal(buy.status, "expired");
      assert.ok((buy.filled ?? 0) > 0.099 && (buy.filled ?? 0) <= 0.1, `${buy.filled}`);
      assert.equal(buy.trades.length, 5, "every level was taken");
      assert.ok((buy.cost ?? 0) > 4990 && (buy.cost ?? 0) < 5010, `${buy.cost}`);
      // Selling for a quote amount the book cannot pay expires the same way.
      const sell = await t.exchange.createOrder("BTC/USDT", "market", "sell", 0, undefined, {
        quoteOrderQty: "10000",
      });
      assert.equal(sell.info.status, "EXPIRED");
      assert.ok((sell.filled ?? 0) > 0.099 && (sell.filled ?? 0) <= 0.1, `${sell.filled}`);
      // Enough book: FILLED, with less than one step of quote left over.
      const small = await t.exchange.createMarketBuyOrderWithCost("BTC/USDT", 100);
      assert.equal(small.info.status, "FILLED");
      assert.ok(100 - (small.cost ?? 0) < 0.00001 * 50100);
    }),
});

Deno.test({
  name: "the balance check covers the whole market order, not what the book can fill (-2010)",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "6000", BTC: "0" });
      await control(sim, "/__sim/prices", thin);
      const insufficient = (e: Error) =>
        e instanceof ccxt.InsufficientFunds && /insufficient balance/.test(e.message);
      // 0.2 BTC costs ~10,000 USDT although the book only has ~5,000 USDT of it.
      await assert.rejects(
        () => t.exchange.createOrder("BTC/USDT", "market", "buy", 0.2),
        insufficient,
      );
      // By quote: 7,000 USDT is more than the 6,000 held, though only ~5,000 could fill.
      await assert.rejects(
        () => t.exchange.createMarketBuyOrderWithCost("BTC/USDT", 7000),
        insufficient,
      );
      const acct = await control<SimAccount>(sim, `/__sim/accounts/${t.api_key}`);
      assert.equal(acct.balances.USDT.free, "6000.00000000", "nothing filled");
      assert.equal(acct.orders.length, 0, "rejected orders do not exist");
      // Within the balance, the same thin book fills and expires the rest.
      const ok = await t.exchange.createMarketBuyOrderWithCost("BTC/USDT", 5900);
      assert.equal(ok.info.status, "EXPIRED");
    }),
});
