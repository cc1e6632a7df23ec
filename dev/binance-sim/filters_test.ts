/**
 * filters.md: every symbol filter exchangeInfo lists is enforced, PERCENT_PRICE_BY_SIDE
 * against the average price of the last avgPriceMins minutes (`GET /api/v3/avgPrice`),
 * with errors.md "Filter failures" messages; and what the product makes of a -1013.
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { classifyFailure } from "../../supabase/functions/_shared/exchange/outcome.ts";
import { AppError, ERROR_CODES } from "../../supabase/functions/_shared/errors.ts";
import type { ExchangeMarket } from "../../supabase/functions/_shared/exchange/pool.ts";
import { checkOrderAgainstMarket } from "../../supabase/functions/_shared/market_rules.ts";
import type { CreateOrderInput } from "../../supabase/functions/_shared/schemas.ts";
import { buildCatalogue } from "./catalogue.ts";
import { ENFORCE, filtersOf } from "./filters.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

// ccxt matches "Filter failure: ..." by message (InvalidOrder) or by code -1013 (BadRequest).
const failsWith = (filter: string) => (e: Error) =>
  e instanceof ccxt.ExchangeError && e.message.includes(`Filter failure: ${filter}`);

Deno.test("every filter type exchangeInfo lists has an enforcement rule", () => {
  const listed = new Set(
    buildCatalogue("full", 1).flatMap((s) => filtersOf(s).map((f) => f.filterType)),
  );
  for (const type of listed) assert.ok(ENFORCE[type], `${type} is listed but not enforced`);
  assert.ok(listed.has("PERCENT_PRICE_BY_SIDE"));
});

Deno.test({
  name: "PERCENT_PRICE_BY_SIDE: a buy far below the average price is refused with -1013",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // filters.md "PERCENT_PRICE_BY_SIDE": BTCUSDT's bid band is 0.2x-5x the average.
      const avg = await t.exchange.publicGetAvgPrice({ symbol: "BTCUSDT" });
      assert.equal(avg.mins, 5);
      assert.equal(Number(avg.price), 50000);
      const err = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 1000)
        .then(() => undefined, (e: Error) => e);
      assert.ok(err && failsWith("PERCENT_PRICE_BY_SIDE")(err), String(err));
      // The product's mapping (docs/ERRORS.md): a 4xx with -1013 is a refusal, 422
      // INVALID_ORDER, with Binance's message naming the filter.
      const app = classifyFailure(err, "order", { started: true }).error;
      assert.equal(app.code, "INVALID_ORDER");
      assert.equal(ERROR_CODES[app.code], 422);
      assert.match(app.message, /PERCENT_PRICE_BY_SIDE/);
      // The band's edges pass: 0.2x and 5x of 50,000.
      const low = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 10000);
      assert.equal(low.status, "open");
      await assert.rejects(
        () => t.exchange.createOrder("BTC/USDT", "limit", "sell", 0.001, 250000.01),
        failsWith("PERCENT_PRICE_BY_SIDE"),
      );
    }),
});

Deno.test({
  name: "the average price follows a move over avgPriceMins, not at once; settle moves it",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "5000" });
      const avg = Number((await t.exchange.publicGetAvgPrice({ symbol: "BTCUSDT" })).price);
      assert.ok(avg > 49000, `just after the move the 5-minute average is still ~50,000: ${avg}`);
      // 4,000 is inside 0.2x-5x of the last price but not of the average: refused.
      await assert.rejects(
        () => t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 4000),
        failsWith("PERCENT_PRICE_BY_SIDE"),
      );
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "5000", settle: true });
      const settled = await t.exchange.publicGetAvgPrice({ symbol: "BTCUSDT" });
      assert.equal(Number(settled.price), 5000);
      const o = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 4000);
      assert.equal(o.status, "open");
    }),
});

Deno.test({
  name: "PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL, ICEBERG_PARTS, MAX_NUM_ORDERS",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "10000000", BTC: "1000" });
      const ex = t.exchange;
      const raw = (params: Record<string, string>) =>
        ex.privatePostOrder({ symbol: "BTCUSDT", ...params });
      // PRICE_FILTER: tick 0.01.
      await assert.rejects(
        () =>
          raw({
            side: "BUY",
            type: "LIMIT",
            timeInForce: "GTC",
            quantity: "0.001",
            price: "49000.005",
          }),
        failsWith("PRICE_FILTER"),
      );
      // LOT_SIZE: step 0.00001.
      await assert.rejects(
        () => raw({ side: "BUY", type: "MARKET", quantity: "0.000015" }),
        failsWith("LOT_SIZE"),
      );
      // MARKET_LOT_SIZE: market max quantity 900 BTC (LOT_SIZE allows 9,000).
      await assert.rejects(
        () => raw({ side: "SELL", type: "MARKET", quantity: "1000" }),
        failsWith("MARKET_LOT_SIZE"),
      );
      // NOTIONAL: at least 5 USDT, for market orders at the average price.
      await assert.rejects(
        () => raw({ side: "BUY", type: "MARKET", quantity: "0.00009" }),
        failsWith("NOTIONAL"),
      );
      await assert.rejects(
        () => raw({ side: "BUY", type: "MARKET", quoteOrderQty: "4.99" }),
        failsWith("NOTIONAL"),
      );
      // ICEBERG_PARTS: at most 10 parts.
      await assert.rejects(
        () =>
          raw({
            side: "BUY",
            type: "LIMIT",
            timeInForce: "GTC",
            quantity: "0.011",
            price: "49000",
            icebergQty: "0.001",
          }),
        failsWith("ICEBERG_PARTS"),
      );
      const iceberg = await raw({
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.01",
        price: "49000",
        icebergQty: "0.001",
      });
      assert.equal(iceberg.icebergQty, "0.00100000", "shown because it was sent");
      // MAX_NUM_ORDERS: 200 open orders per symbol.
      await control(sim, "/__sim/limits", { orders_per_10s: 1000 });
      for (let i = 0; i < 199; i++) {
        await raw({
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          quantity: "0.001",
          price: "40000",
        });
      }
      await assert.rejects(
        () =>
          raw({
            side: "BUY",
            type: "LIMIT",
            timeInForce: "GTC",
            quantity: "0.001",
            price: "40000",
          }),
        failsWith("MAX_NUM_ORDERS"),
      );
    }),
});

Deno.test({
  name: "market_rules checks PERCENT_PRICE_BY_SIDE against a reference price before sending",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const market = t.exchange.market("BTC/USDT") as unknown as ExchangeMarket;
      const order = (side: "buy" | "sell", price: string) =>
        ({ symbol: "BTC/USDT", side, type: "limit", amount: "0.01", price }) as CreateOrderInput;
      // filters.md "PERCENT_PRICE_BY_SIDE": bid 0.2x-5x, ask 0.2x-5x of the average price.
      const ref = (await t.exchange.publicGetAvgPrice({ symbol: "BTCUSDT" })).price as string;
      assert.throws(
        () => checkOrderAgainstMarket(order("buy", "1000"), market, ref),
        (e: AppError) =>
          e.code === "VALIDATION_ERROR" && e.field === "price" && /at least 10000/.test(e.message),
      );
      assert.throws(
        () => checkOrderAgainstMarket(order("sell", "250000.01"), market, ref),
        (e: AppError) => e.field === "price" && /at most 250000/.test(e.message),
      );
      checkOrderAgainstMarket(order("buy", "10000"), market, ref);
      // Without a reference price the check is Binance's.
      checkOrderAgainstMarket(order("buy", "1000"), market);
    }),
});
