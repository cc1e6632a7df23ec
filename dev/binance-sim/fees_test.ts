/**
 * faqs/commission_faq.md: with the BNB discount enabled for the account and BNB to pay
 * with, commission is charged in BNB at the discounted rate (rest-api.md "Query Commission
 * Rates" shows the discount); otherwise in the asset received.
 */
import assert from "node:assert/strict";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

Deno.test({
  name: "BNB discount: commission in BNB when enabled and affordable, else in the asset received",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "100000", BTC: "1", BNB: "1" });
      await control(sim, "/__sim/fees", { api_key: t.api_key, bnb_burn: true });
      const rates = await t.exchange.privateGetAccountCommission({ symbol: "BTCUSDT" });
      assert.equal(rates.discount.enabledForAccount, true);
      assert.equal(rates.discount.discountAsset, "BNB");

      const buy = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01);
      assert.equal(buy.fee?.currency, "BNB");
      // 0.1% of 0.01 BTC, in BNB at the market prices BTC 50,000 / BNB 600, less 25%.
      const expected = 0.01 * 0.001 * (50000 / 600) * 0.75;
      assert.ok(Math.abs((buy.fee?.cost ?? 0) - expected) < 1e-8, `${buy.fee?.cost} ${expected}`);
      const bal = await t.exchange.fetchBalance();
      assert.equal(bal.BTC.free, 1.01, "the BTC bought arrives in full");
      assert.ok(Math.abs((bal.BNB.free ?? 0) - (1 - expected)) < 1e-8);

      // A sell pays in BNB too; myTrades shows the asset.
      await t.exchange.createOrder("BTC/USDT", "market", "sell", 0.01);
      const trades = await t.exchange.fetchMyTrades("BTC/USDT");
      assert.ok(trades.every((x) => x.fee?.currency === "BNB"));

      // Without BNB to pay with: back to the asset received.
      await control(sim, "/__sim/balances", { api_key: t.api_key, balances: { BNB: "0" } });
      const noBnb = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01);
      assert.equal(noBnb.fee?.currency, "BTC");
      // Disabled: the asset received.
      await control(sim, "/__sim/balances", { api_key: t.api_key, balances: { BNB: "1" } });
      await control(sim, "/__sim/fees", { api_key: t.api_key, bnb_burn: false });
      const off = await t.exchange.createOrder("BTC/USDT", "market", "sell", 0.01);
      assert.equal(off.fee?.currency, "USDT");
    }),
});
