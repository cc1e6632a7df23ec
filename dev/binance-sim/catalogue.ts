/**
 * The simulator's symbols: a deterministic (seeded) catalogue with Binance's filters.
 * "full" has over 1,000 spot symbols so that exchangeInfo weighs several MB like the real one
 * (rest-api.md, "Exchange information"); "small" has the few real names tests use.
 * Filter semantics: filters.md (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL, ...).
 */

export interface SymbolSpec {
  symbol: string;
  base: string;
  quote: string;
  /** Price, quantity and notional rules as Binance's decimal strings. */
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  marketMaxQty: string;
  minNotional: string;
  maxNotional: string;
  maxNumOrders: number;
  /** Initial mid price. */
  price: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same catalogue and walk. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fmt(value: number, decimals = 8): string {
  return (Math.round(value * 10 ** decimals) / 10 ** decimals).toFixed(decimals);
}

function pow10(exp: number): string {
  return fmt(10 ** exp);
}

function spec(
  base: string,
  quote: string,
  price: number,
  tickExp: number,
  stepExp: number,
  minNotional: number,
): SymbolSpec {
  return {
    symbol: base + quote,
    base,
    quote,
    tickSize: pow10(tickExp),
    minPrice: pow10(tickExp),
    maxPrice: fmt(Math.min(price * 1000, 99999999)),
    stepSize: pow10(stepExp),
    minQty: pow10(stepExp),
    maxQty: fmt(Math.min(9000000, 10 ** (8 + stepExp) * 9)),
    marketMaxQty: fmt(Math.min(900000, 10 ** (7 + stepExp) * 9)),
    minNotional: fmt(minNotional),
    maxNotional: "9000000.00000000",
    maxNumOrders: 200,
    price,
  };
}

/** Real names the tests and the demo use, with Binance-like rules. */
const NAMED: SymbolSpec[] = [
  spec("BTC", "USDT", 50000, -2, -5, 5),
  spec("ETH", "USDT", 3000, -2, -4, 5),
  spec("BNB", "USDT", 600, -2, -3, 5),
  spec("SOL", "USDT", 150, -2, -3, 5),
  spec("XRP", "USDT", 0.5, -4, -1, 5),
  spec("DOGE", "USDT", 0.1, -5, 0, 1),
  spec("ETH", "BTC", 0.06, -5, -4, 0.0001),
  spec("BNB", "BTC", 0.012, -6, -3, 0.0001),
  spec("SOL", "ETH", 0.05, -5, -3, 0.001),
  spec("BTC", "FDUSD", 50000, -2, -5, 5),
];

const QUOTES: [string, number, number][] = [
  // quote, price of the quote in USDT, min notional in the quote
  ["USDT", 1, 5],
  ["BTC", 50000, 0.0001],
  ["ETH", 3000, 0.001],
  ["BNB", 600, 0.01],
  ["FDUSD", 1, 5],
  ["TRY", 0.03, 10],
];

function syntheticBase(i: number): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  let n = i;
  do {
    name = letters[n % 26] + name;
    n = Math.floor(n / 26);
  } while (n > 0);
  return ("X" + name).padEnd(4, "Q");
}

export function buildCatalogue(kind: "full" | "small", seed = 1): SymbolSpec[] {
  if (kind === "small") return NAMED.map((s) => ({ ...s }));
  const rand = prng(seed);
  const out = NAMED.map((s) => ({ ...s }));
  const seen = new Set(out.map((s) => s.symbol));
  for (let i = 0; out.length < 1200; i++) {
    const base = syntheticBase(i);
    const usd = 10 ** (rand() * 8 - 4); // 0.0001 .. 10,000 USDT
    for (const [quote, quoteUsd, minNotional] of QUOTES) {
      if (rand() < 0.45 && quote !== "USDT") continue;
      const price = usd / quoteUsd;
      if (price < 1e-7 || price > 1e7) continue;
      const magnitude = Math.floor(Math.log10(price));
      const tickExp = Math.max(-8, magnitude - 4);
      const stepExp = Math.min(2, Math.max(-8, -magnitude - 1));
      const tick = 10 ** tickExp;
      const roundedPrice = Number(fmt(Math.max(tick, Math.round(price / tick) * tick)));
      const s = spec(base, quote, roundedPrice, tickExp, stepExp, minNotional);
      if (!seen.has(s.symbol)) {
        seen.add(s.symbol);
        out.push(s);
      }
    }
  }
  return out;
}

const TRADING_GROUPS = Array.from(
  { length: 40 },
  (_, i) => `TRD_GRP_${String(i + 2).padStart(3, "0")}`,
);

/** A symbol as exchangeInfo lists it (rest-api.md "Exchange information"; filters.md). */
export function exchangeInfoSymbol(s: SymbolSpec, status = "TRADING") {
  return {
    symbol: s.symbol,
    status,
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: s.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    // Only what the simulator models: no stop, trailing, OCO/OTO, amend or cancel-replace.
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
    icebergAllowed: true,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: "PRICE_FILTER",
        minPrice: s.minPrice,
        maxPrice: s.maxPrice,
        tickSize: s.tickSize,
      },
      { filterType: "LOT_SIZE", minQty: s.minQty, maxQty: s.maxQty, stepSize: s.stepSize },
      { filterType: "ICEBERG_PARTS", limit: 10 },
      {
        filterType: "MARKET_LOT_SIZE",
        minQty: "0.00000000",
        maxQty: s.marketMaxQty,
        stepSize: "0.00000000",
      },
      {
        filterType: "PERCENT_PRICE_BY_SIDE",
        bidMultiplierUp: "5",
        bidMultiplierDown: "0.2",
        askMultiplierUp: "5",
        askMultiplierDown: "0.2",
        avgPriceMins: 5,
      },
      {
        filterType: "NOTIONAL",
        minNotional: s.minNotional,
        applyMinToMarket: true,
        maxNotional: s.maxNotional,
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: "MAX_NUM_ORDERS", maxNumOrders: s.maxNumOrders },
    ],
    permissions: [],
    // Real symbols list dozens of trading groups; they make exchangeInfo its real size.
    permissionSets: [["SPOT", "MARGIN", ...TRADING_GROUPS]],
    defaultSelfTradePreventionMode: "EXPIRE_MAKER",
    allowedSelfTradePreventionModes: ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
  };
}
