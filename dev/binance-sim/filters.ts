/**
 * filters.md: every symbol filter exchangeInfo lists is enforced here, read from the very
 * list exchangeInfo serves, so the two cannot drift apart. A failure is -1013 naming the
 * filter (errors.md "Filter failures"). MAX_NUM_ORDERS needs the account and is checked by
 * matching.ts when the order is placed.
 */
import { exchangeInfoSymbol, type SymbolSpec } from "./catalogue.ts";
import { err } from "./errors.ts";
import type { Market } from "./exchange.ts";

type Filter = Record<string, string | number | boolean> & { filterType: string };

export interface FilterInput {
  type: "MARKET" | "LIMIT" | "LIMIT_MAKER";
  side: "BUY" | "SELL";
  quantity?: number;
  quoteOrderQty?: number;
  price?: number;
  icebergQty?: number;
}

const units = (x: number) => Math.round(x * 1e8);
const num = (v: unknown) => Number(v ?? 0);
const isMultiple = (value: number, step: number) => step === 0 || units(value) % units(step) === 0;

const cache = new WeakMap<SymbolSpec, Filter[]>();
export function filtersOf(spec: SymbolSpec): Filter[] {
  let f = cache.get(spec);
  if (!f) {
    f = exchangeInfoSymbol(spec).filters as unknown as Filter[];
    cache.set(spec, f);
  }
  return f;
}

/** min/max/step with Binance's "0 disables the rule". */
function inRange(v: number, min: number, max: number, step: number) {
  return (min === 0 || v >= min) && (max === 0 || v <= max) && isMultiple(v, step);
}

/**
 * Checks one order; `avgPrice(mins)` is the symbol's weighted average price over the last
 * `mins` minutes (filters.md: used where a filter has `avgPriceMins`).
 */
export function checkFilters(m: Market, o: FilterInput, avgPrice: (mins: number) => number) {
  for (const f of filtersOf(m.spec)) {
    const check = ENFORCE[f.filterType];
    if (!check) throw new Error(`simulator bug: filter ${f.filterType} is listed, not enforced`);
    if (!check(f, o, avgPrice)) throw err.filter(f.filterType);
  }
}

type Check = (f: Filter, o: FilterInput, avgPrice: (mins: number) => number) => boolean;

/** Each filter's rule from filters.md; `true` passes. */
export const ENFORCE: Record<string, Check> = {
  PRICE_FILTER: (f, o) =>
    o.price === undefined || inRange(o.price, num(f.minPrice), num(f.maxPrice), num(f.tickSize)),
  // The band around the average price depends on the side; only orders with a price.
  PERCENT_PRICE_BY_SIDE: (f, o, avg) => {
    if (o.price === undefined) return true;
    const ref = avg(num(f.avgPriceMins));
    const [up, down] = o.side === "BUY"
      ? [num(f.bidMultiplierUp), num(f.bidMultiplierDown)]
      : [num(f.askMultiplierUp), num(f.askMultiplierDown)];
    return units(o.price) <= units(ref * up) && units(o.price) >= units(ref * down);
  },
  PERCENT_PRICE: (f, o, avg) => {
    if (o.price === undefined) return true;
    const ref = avg(num(f.avgPriceMins));
    return o.price <= ref * num(f.multiplierUp) && o.price >= ref * num(f.multiplierDown);
  },
  // LOT_SIZE governs quantity and icebergQty of every order type.
  LOT_SIZE: (f, o) =>
    [o.quantity, o.icebergQty].every((q) =>
      q === undefined || inRange(q, num(f.minQty), num(f.maxQty), num(f.stepSize))
    ),
  MARKET_LOT_SIZE: (f, o) =>
    o.type !== "MARKET" || o.quantity === undefined ||
    inRange(o.quantity, num(f.minQty), num(f.maxQty), num(f.stepSize)),
  ICEBERG_PARTS: (f, o) =>
    o.icebergQty === undefined || o.quantity === undefined ||
    Math.ceil(o.quantity / o.icebergQty) <= num(f.limit),
  // Market orders use the average price (applyMinToMarket / applyMaxToMarket); by quote
  // amount the notional is the amount itself.
  NOTIONAL: (f, o, avg) => {
    const market = o.type === "MARKET";
    const notional = o.quoteOrderQty ??
      (o.quantity ?? 0) * (market ? avg(num(f.avgPriceMins)) : o.price ?? 0);
    if ((!market || f.applyMinToMarket) && units(notional) < units(num(f.minNotional))) {
      return false;
    }
    return !(!market || f.applyMaxToMarket) || units(notional) <= units(num(f.maxNotional));
  },
  MIN_NOTIONAL: (f, o, avg) => {
    const market = o.type === "MARKET";
    if (market && !f.applyToMarket) return true;
    const notional = o.quoteOrderQty ??
      (o.quantity ?? 0) * (market ? avg(num(f.avgPriceMins)) : o.price ?? 0);
    return units(notional) >= units(num(f.minNotional));
  },
  // Counted against the account's open orders when the order is placed (matching.ts).
  MAX_NUM_ORDERS: () => true,
};
