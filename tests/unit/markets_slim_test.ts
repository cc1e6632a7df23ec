/**
 * slimMarkets (exchange/pool.ts) drops the permission lists from each market's raw entry once
 * ccxt has parsed it, and nothing else: the unified market ccxt built is unchanged, and the
 * fields the product and ccxt read later (filters, orderTypes, quoteAssetPrecision) stay.
 */
import assert from "node:assert/strict";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { slimMarkets } from "../../supabase/functions/_shared/exchange/pool.ts";

// One symbol of GET /api/v3/exchangeInfo as rest-api.md "Exchange information" documents it,
// with the permission lists as Binance sends them (one set of many trading groups).
const ENTRY = {
  symbol: "ETHBTC",
  status: "TRADING",
  baseAsset: "ETH",
  baseAssetPrecision: 8,
  quoteAsset: "BTC",
  quotePrecision: 8,
  quoteAssetPrecision: 8,
  baseCommissionPrecision: 8,
  quoteCommissionPrecision: 8,
  orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
  icebergAllowed: true,
  ocoAllowed: true,
  otoAllowed: true,
  quoteOrderQtyMarketAllowed: true,
  allowTrailingStop: false,
  cancelReplaceAllowed: false,
  amendAllowed: false,
  isSpotTradingAllowed: true,
  isMarginTradingAllowed: true,
  filters: [
    {
      filterType: "PRICE_FILTER",
      minPrice: "0.00001000",
      maxPrice: "922327.00000000",
      tickSize: "0.00001000",
    },
    {
      filterType: "LOT_SIZE",
      minQty: "0.00010000",
      maxQty: "100000.00000000",
      stepSize: "0.00010000",
    },
    {
      filterType: "NOTIONAL",
      minNotional: "0.00010000",
      applyMinToMarket: true,
      maxNotional: "9000000.00000000",
      applyMaxToMarket: false,
      avgPriceMins: 5,
    },
  ],
  permissions: [],
  permissionSets: [[
    "SPOT",
    "MARGIN",
    ...Array.from({ length: 40 }, (_, i) => `TRD_GRP_${String(i + 2).padStart(3, "0")}`),
  ]],
  defaultSelfTradePreventionMode: "NONE",
  allowedSelfTradePreventionModes: ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
};

Deno.test("slimMarkets drops the permission lists and nothing ccxt or the product reads", () => {
  const ex = createBinance({ endpoint: { environment: "live" } });
  // What loadMarkets fetches first for spot margin flags (none here).
  Object.assign(ex.options, { crossMarginPairsData: [], isolatedMarginPairsData: [] });
  // deno-lint-ignore no-explicit-any
  const market = (ex as any).parseMarket(structuredClone(ENTRY));
  const before = structuredClone(market);
  slimMarkets([market]);
  assert.equal("permissions" in market.info, false);
  assert.equal("permissionSets" in market.info, false);
  const { permissions: _p, permissionSets: _s, ...kept } = ENTRY;
  assert.deepEqual(market.info, kept);
  const { info: _i1, ...unifiedBefore } = before;
  const { info: _i2, ...unifiedAfter } = market;
  assert.deepEqual(unifiedAfter, unifiedBefore);
  assert.equal(market.symbol, "ETH/BTC");
  assert.equal(market.active, true);
});
