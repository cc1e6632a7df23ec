/**
 * Public market data (rest-api.md "General endpoints", "Market Data endpoints"): ping,
 * time, exchangeInfo, depth, tickers and the average price. Weights as documented.
 */
import { exchangeInfoSymbol, fmt } from "./catalogue.ts";
import { BinanceError, err } from "./errors.ts";
import type { Exchange, Market } from "./exchange.ts";
import type { Params } from "./params.ts";
import { tickerJson } from "./responses.ts";
import type { Route, SimState } from "./state.ts";

/** filters.md: the averaging window of PERCENT_PRICE_BY_SIDE and NOTIONAL. */
export const AVG_PRICE_MINS = 5;

export function symbolOf(exchange: Exchange, p: Params): Market {
  const raw = p.get("symbol");
  if (raw === null || raw === "") throw err.mandatory("symbol");
  return exchange.market(raw);
}

/** A `symbols` parameter: a JSON array of names (rest-api.md), each a listed symbol. */
function symbolsOf(exchange: Exchange, p: Params): Market[] | undefined {
  const raw = p.get("symbols");
  if (raw === null) return undefined;
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || names.length === 0) {
    throw err.illegal("symbols", '^\\["[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}\\]$');
  }
  if (new Set(names).size !== names.length) {
    throw new BinanceError(400, -1151, "Symbol is present multiple times in the list.");
  }
  return names.map((n) => exchange.market(String(n)));
}

function exchangeInfo(state: SimState, p: Params) {
  const { exchange } = state;
  const status = p.get("symbolStatus");
  const one = p.get("symbol") !== null || p.get("symbols") !== null;
  if (status !== null) {
    if (one) throw new BinanceError(400, -1128, "Combination of optional parameters invalid.");
    if (!["TRADING", "HALT", "BREAK"].includes(status)) {
      throw new BinanceError(400, -1122, "Invalid symbolStatus.");
    }
  }
  const all = !one && status === null;
  if (all && state.exchangeInfoCache) return state.exchangeInfoCache;
  const list = p.get("symbol") !== null ? [symbolOf(exchange, p)] : symbolsOf(exchange, p) ??
    [...exchange.markets.values()].filter((m) => status === null || m.status === status);
  const body = JSON.stringify({
    timezone: "UTC",
    serverTime: Date.now(),
    rateLimits: state.limits.rateLimitsJson(),
    exchangeFilters: [],
    symbols: list.map((m) => exchangeInfoSymbol(m.spec, m.status)),
  });
  if (all) state.exchangeInfoCache = body;
  return body;
}

/** Weight by how many symbols were asked for (rest-api.md, per ticker endpoint). */
function tickerWeight(one: number, all: number, many?: (n: number) => number) {
  return (p: Params) => {
    if (p.get("symbol")) return one;
    const raw = p.get("symbols");
    if (raw === null) return all;
    const n = raw.split(",").length;
    return many ? many(n) : all;
  };
}

export function marketRoutes(state: SimState): Record<string, Route> {
  const { exchange } = state;
  // One symbol: an object; `symbols` or none: an array.
  const eachOrOne = <T>(p: Params, one: (m: Market) => T) =>
    p.get("symbol")
      ? one(symbolOf(exchange, p))
      : (symbolsOf(exchange, p) ?? [...exchange.markets.values()]).map(one);
  return {
    "GET /api/v3/ping": { weight: () => 1, signed: false, params: [], handler: () => ({}) },
    "GET /api/v3/time": {
      weight: () => 1,
      signed: false,
      params: [],
      handler: () => ({ serverTime: Date.now() }),
    },
    "GET /api/v3/exchangeInfo": {
      weight: () => 20,
      signed: false,
      params: ["symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"],
      handler: ({ params }) => exchangeInfo(state, params),
    },
    "GET /api/v3/depth": {
      weight: (p) => {
        const limit = Number(p.get("limit") ?? 100);
        return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
      },
      signed: false,
      params: ["symbol", "limit"],
      handler: ({ params }) => {
        const m = symbolOf(exchange, params);
        const book = exchange.book(m);
        const limit = Number(params.get("limit") ?? 100);
        const side = (l: { price: number; qty: number }[]) =>
          l.slice(0, limit).map((x) => [fmt(x.price), fmt(x.qty)]);
        return { lastUpdateId: m.trades + 1, bids: side(book.bids), asks: side(book.asks) };
      },
    },
    // rest-api.md "Current average price": the window PERCENT_PRICE_BY_SIDE uses.
    "GET /api/v3/avgPrice": {
      weight: () => 2,
      signed: false,
      params: ["symbol"],
      handler: ({ params }) => {
        const m = symbolOf(exchange, params);
        return {
          mins: AVG_PRICE_MINS,
          price: fmt(exchange.avgPrice(m, AVG_PRICE_MINS)),
          closeTime: m.history.at(-1)?.time || Date.now(),
        };
      },
    },
    "GET /api/v3/ticker/24hr": {
      weight: tickerWeight(2, 80, (n) => (n <= 20 ? 2 : n <= 100 ? 40 : 80)),
      signed: false,
      params: ["symbol", "symbols", "type"],
      handler: ({ params }) => eachOrOne(params, (m) => tickerJson(m, exchange.book(m))),
    },
    "GET /api/v3/ticker/price": {
      weight: tickerWeight(2, 4),
      signed: false,
      params: ["symbol", "symbols"],
      handler: ({ params }) =>
        eachOrOne(params, (m) => ({ symbol: m.spec.symbol, price: fmt(m.price) })),
    },
    "GET /api/v3/ticker/bookTicker": {
      weight: tickerWeight(2, 4),
      signed: false,
      params: ["symbol", "symbols"],
      handler: ({ params }) =>
        eachOrOne(params, (m) => {
          const b = exchange.book(m);
          return {
            symbol: m.spec.symbol,
            bidPrice: fmt(b.bids[0]?.price ?? 0),
            bidQty: fmt(b.bids[0]?.qty ?? 0),
            askPrice: fmt(b.asks[0]?.price ?? 0),
            askQty: fmt(b.asks[0]?.qty ?? 0),
          };
        }),
    },
  };
}
