/**
 * Checks an order against the market's exchange filters before anything is sent, so the
 * caller gets a 400 naming the field and the limit instead of a Binance -1013. The rules are
 * Binance's (filters.md): PRICE_FILTER, LOT_SIZE / MARKET_LOT_SIZE, NOTIONAL / MIN_NOTIONAL,
 * and PERCENT_PRICE_BY_SIDE when the caller holds a reference price (Binance's average price
 * over the filter's avgPriceMins). Without one, Binance's own -1013 "Filter failure:
 * PERCENT_PRICE_BY_SIDE" reaches the caller as 422 INVALID_ORDER.
 * They are read from the market's raw filters as exact decimal strings.
 */
import { AppError } from "./errors.ts";
import { compare, isMultipleOf, isZero, multiply } from "./decimal.ts";
import type { ExchangeMarket } from "./exchange/pool.ts";
import type { CreateOrderInput } from "./schemas.ts";

type Filter = Record<string, string | boolean | number | undefined> & { filterType: string };

function filterOf(market: ExchangeMarket, type: string): Filter | undefined {
  const filters = (market.info?.filters ?? []) as Filter[];
  return filters.find((f) => f.filterType === type);
}

const str = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : String(v);

function invalid(field: string, message: string, limit: Record<string, unknown>): never {
  throw new AppError("VALIDATION_ERROR", `${field}: ${message}`, {
    field,
    details: { limit },
  });
}

function checkRange(
  field: string,
  value: string,
  filter: Filter | undefined,
  keys: { min: string; max: string; step: string },
) {
  if (!filter) return;
  const min = str(filter[keys.min]);
  const max = str(filter[keys.max]);
  const step = str(filter[keys.step]);
  const limit = { filter: filter.filterType, min, max, step };
  if (min && !isZero(min) && compare(value, min) < 0) {
    invalid(field, `must be at least ${min}`, limit);
  }
  if (max && !isZero(max) && compare(value, max) > 0) {
    invalid(field, `must be at most ${max}`, limit);
  }
  if (step && !isZero(step) && !isMultipleOf(value, step)) {
    invalid(field, `must be a multiple of ${step}`, limit);
  }
}

/**
 * filters.md "PERCENT_PRICE_BY_SIDE": a limit price must lie within the side's multipliers of
 * the average price. `referencePrice` is that average (e.g. `GET /api/v3/avgPrice`).
 */
function checkPriceBand(input: CreateOrderInput, market: ExchangeMarket, referencePrice: string) {
  const band = filterOf(market, "PERCENT_PRICE_BY_SIDE");
  if (!band || input.type !== "limit" || input.price === undefined) return;
  const [upKey, downKey] = input.side === "buy"
    ? ["bidMultiplierUp", "bidMultiplierDown"]
    : ["askMultiplierUp", "askMultiplierDown"];
  const up = str(band[upKey]);
  const down = str(band[downKey]);
  const max = up ? multiply(referencePrice, up) : undefined;
  const min = down ? multiply(referencePrice, down) : undefined;
  const limit = { filter: band.filterType, min, max, reference_price: referencePrice };
  if (max && compare(input.price, max) > 0) {
    invalid("price", `must be at most ${max} (${up} × the average price ${referencePrice})`, limit);
  }
  if (min && compare(input.price, min) < 0) {
    invalid(
      "price",
      `must be at least ${min} (${down} × the average price ${referencePrice})`,
      limit,
    );
  }
}

export function checkOrderAgainstMarket(
  input: CreateOrderInput,
  market: ExchangeMarket,
  referencePrice?: string,
) {
  if (market.active === false) {
    throw new AppError("VALIDATION_ERROR", `symbol: ${input.symbol} is not trading now`, {
      field: "symbol",
    });
  }
  const price = filterOf(market, "PRICE_FILTER");
  const lot = filterOf(market, "LOT_SIZE");
  const marketLot = filterOf(market, "MARKET_LOT_SIZE");
  const notional = filterOf(market, "NOTIONAL") ?? filterOf(market, "MIN_NOTIONAL");
  const minNotional = str(notional?.minNotional);
  const maxNotional = str(notional?.maxNotional);
  const notionalLimit = { filter: notional?.filterType, min: minNotional, max: maxNotional };

  if (input.amount !== undefined) {
    checkRange("amount", input.amount, lot, { min: "minQty", max: "maxQty", step: "stepSize" });
    if (input.type === "market") {
      checkRange("amount", input.amount, marketLot, {
        min: "minQty",
        max: "maxQty",
        step: "stepSize",
      });
    }
  }
  if (input.price !== undefined) {
    checkRange("price", input.price, price, { min: "minPrice", max: "maxPrice", step: "tickSize" });
  }
  if (referencePrice !== undefined) checkPriceBand(input, market, referencePrice);
  if (input.type === "limit" && input.amount !== undefined && input.price !== undefined) {
    const value = multiply(input.amount, input.price);
    if (minNotional && !isZero(minNotional) && compare(value, minNotional) < 0) {
      invalid("amount", `amount × price must be at least ${minNotional}`, notionalLimit);
    }
    if (maxNotional && !isZero(maxNotional) && compare(value, maxNotional) > 0) {
      invalid("amount", `amount × price must be at most ${maxNotional}`, notionalLimit);
    }
  }
  if (input.cost !== undefined) {
    const applies = notional?.applyMinToMarket !== false;
    if (applies && minNotional && !isZero(minNotional) && compare(input.cost, minNotional) < 0) {
      invalid("cost", `must be at least ${minNotional}`, notionalLimit);
    }
    const quotePrecision = str((market.info as Record<string, unknown>)?.quoteAssetPrecision);
    if (quotePrecision !== undefined) {
      const decimals = (input.cost.split(".")[1] ?? "").length;
      if (decimals > Number(quotePrecision)) {
        invalid("cost", `has more than ${quotePrecision} decimals`, {
          quoteAssetPrecision: quotePrecision,
        });
      }
    }
  }
}
