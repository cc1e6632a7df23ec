/**
 * Public market data (rest-api.md "General endpoints", "Market Data endpoints"): ping,
 * time, exchangeInfo, depth, tickers and the average price. Weights as documented.
 */
import { exchangeInfoSymbol, fmt } from "./catalogue.ts";
import { err } from "./errors.ts";
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

function exchangeInfo(state: SimState, p: Params) {
  const { exchange } = state;
  let list: Market[];
  const all = !p.get("symbol") && !p.get("symbols");
  if (p.get("symbol")) list = [symbolOf(exchange, p)];
  else if (p.get("symbols")) {
    let names: string[];
    try {
      names = JSON.parse(p.get("symbols")!);
    } catch {
      throw err.illegal("symbols", '^\\["[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}\\]$');
    }
    list = names.map((n) => exchange.market(n));
  } else {
    if (state.exchangeInfoCache) return state.exchangeInfoCache;
    list = [...exchange.markets.values()];
  }
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

const bySymbol = (p: Params, one: number, all: number) => (p.get("symbol") ? one : all);

export function marketRoutes(state: SimState): Record<string, Route> {
  const { exchange } = state;
  const eachOrOne = <T>(p: Params, one: (m: Market) => T) =>
    p.get("symbol") ? one(symbolOf(exchange, p)) : [...exchange.markets.values()].map(one);
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
      weight: (p) => bySymbol(p, 2, 80),
      signed: false,
      params: ["symbol", "symbols", "type"],
      handler: ({ params }) => eachOrOne(params, (m) => tickerJson(m, exchange.book(m))),
    },
    "GET /api/v3/ticker/price": {
      weight: (p) => bySymbol(p, 2, 4),
      signed: false,
      params: ["symbol", "symbols"],
      handler: ({ params }) =>
        eachOrOne(params, (m) => ({ symbol: m.spec.symbol, price: fmt(m.price) })),
    },
    "GET /api/v3/ticker/bookTicker": {
      weight: (p) => bySymbol(p, 2, 4),
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
