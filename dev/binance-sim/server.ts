/**
 * Binance Spot REST simulator: the wire protocol of api.binance.com (rest-api.md) over
 * HTTP on 127.0.0.1, backed by `Exchange`. Signed endpoints check the HMAC-SHA256 signature,
 * the API key, its permissions, `timestamp` and `recvWindow` as Binance does ("SIGNED
 * endpoint security"). Limits: request weight per minute with `X-MBX-USED-WEIGHT-1M`, order
 * counts with `X-MBX-ORDER-COUNT-10S`/`-1D`, 429 with Retry-After, 418 after repeated 429s
 * ("LIMITS"). The control API under `/__sim/` is not Binance's: see README.md.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { exchangeInfoSymbol, fmt, prng } from "./catalogue.ts";
import {
  type Account,
  BinanceError,
  err,
  Exchange,
  type Fill,
  type Market,
  type Order,
  r8,
} from "./exchange.ts";
import { closeWsApi, handleWsApi, isWsApiPath } from "./ws_api.ts";

export interface SimulatorOptions {
  hostname?: string;
  port?: number;
  catalogue?: "full" | "small";
  seed?: number;
  /** Added to every Binance request, in ms (a real network's round trip). */
  latencyMs?: number;
  /** Moves prices on a seeded random walk every this many ms; 0 (default) keeps them still. */
  walkMs?: number;
}

export interface Simulator {
  url: string;
  port: number;
  exchange: Exchange;
  close(): Promise<void>;
}

type FaultKind =
  | "latency"
  | "http_500"
  | "http_503"
  | "rate_limit_429"
  | "ban_418"
  | "reset"
  | "timeout_after_execute"
  | "clock_skew";

interface Fault {
  method?: string;
  path?: string;
  /** Only requests signed with this API key (so parallel tests do not share faults). */
  apiKey?: string;
  kind: FaultKind;
  remaining: number;
  latencyMs: number;
  retryAfter: number;
}

interface LogEntry {
  seq: number;
  time: number;
  method: string;
  path: string;
  weight: number;
  signed: boolean;
  api_key: string | null;
  status: number;
}

interface Limits {
  weightPerMinute: number;
  ordersPer10s: number;
  ordersPerDay: number;
  /** 429s answered in one minute before the IP is banned (418). */
  banAfter429s: number;
  banSeconds: number;
}

const DEFAULT_LIMITS: Limits = {
  weightPerMinute: 6000,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
  banAfter429s: 5,
  banSeconds: 120,
};

const MAX_LOG = 200_000;
const DEFAULT_RECV_WINDOW = 5000;

type Params = URLSearchParams;

interface Route {
  weight: (p: Params) => number;
  signed: boolean;
  order?: boolean;
  handler: (ctx: Ctx) => unknown;
}

interface Ctx {
  params: Params;
  account?: Account;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

function decimalParam(p: Params, name: string, required = true): number | undefined {
  const raw = p.get(name);
  if (raw === null || raw === "") {
    if (required) throw err.mandatory(name);
    return undefined;
  }
  if (!/^([0-9]{1,20})(\.[0-9]{1,20})?$/.test(raw)) throw err.illegal(name);
  const decimals = (raw.split(".")[1] ?? "").replace(/0+$/, "").length;
  if (decimals > 8) throw err.precision(name);
  return Number(raw);
}

function intParam(p: Params, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw err.illegal(name);
  return Number(raw);
}

const isMultiple = (value: number, step: number) =>
  step === 0 || Math.round(value * 1e8) % Math.round(step * 1e8) === 0;

/** filters.md: PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL, in Binance's order. */
function checkFilters(
  m: Market,
  type: "MARKET" | "LIMIT",
  qty: number | undefined,
  price: number | undefined,
  quoteQty: number | undefined,
) {
  const s = m.spec;
  if (price !== undefined) {
    if (
      price < Number(s.minPrice) || price > Number(s.maxPrice) ||
      !isMultiple(price, Number(s.tickSize))
    ) throw err.filter("PRICE_FILTER");
  }
  if (qty !== undefined) {
    if (
      qty < Number(s.minQty) || qty > Number(s.maxQty) || !isMultiple(qty, Number(s.stepSize))
    ) throw err.filter("LOT_SIZE");
    if (type === "MARKET" && qty > Number(s.marketMaxQty)) throw err.filter("MARKET_LOT_SIZE");
  }
  // NOTIONAL: price × quantity; for market orders the average price (applyMinToMarket).
  const notional = quoteQty ?? (qty ?? 0) * (price ?? m.price);
  if (notional < Number(s.minNotional)) throw err.filter("NOTIONAL");
  if (type === "LIMIT" && notional > Number(s.maxNotional)) throw err.filter("NOTIONAL");
}

// -- response shapes (rest-api.md) --------------------------------------------------------

function orderJson(o: Order) {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: "0.00000000",
    icebergQty: "0.00000000",
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

function fillJson(f: Fill) {
  return {
    price: fmt(f.price),
    qty: fmt(f.qty),
    commission: fmt(f.commission),
    commissionAsset: f.commissionAsset,
    tradeId: f.tradeId,
  };
}

function newOrderJson(o: Order, respType: string) {
  const ack = {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.time,
  };
  if (respType === "ACK") return ack;
  const result = {
    ...ack,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    workingTime: o.time,
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
  if (respType === "RESULT") return result;
  return { ...result, fills: o.fills.map(fillJson) };
}

function tickerJson(m: Market, book: ReturnType<Exchange["book"]>) {
  const now = Date.now();
  const change = m.price - m.open;
  return {
    symbol: m.spec.symbol,
    priceChange: fmt(change),
    priceChangePercent: m.open ? (change / m.open * 100).toFixed(3) : "0.000",
    weightedAvgPrice: fmt(m.volume ? m.quoteVolume / m.volume : m.price),
    prevClosePrice: fmt(m.open),
    lastPrice: fmt(m.price),
    lastQty: "0.00000000",
    bidPrice: fmt(book.bids[0]?.price ?? 0),
    bidQty: fmt(book.bids[0]?.qty ?? 0),
    askPrice: fmt(book.asks[0]?.price ?? 0),
    askQty: fmt(book.asks[0]?.qty ?? 0),
    openPrice: fmt(m.open),
    highPrice: fmt(m.high),
    lowPrice: fmt(m.low),
    volume: fmt(m.volume),
    quoteVolume: fmt(m.quoteVolume),
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: 0,
    lastId: m.trades,
    count: m.trades,
  };
}

// -- the server ---------------------------------------------------------------------------

export function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const catalogue = opts.catalogue ?? "full";
  const exchange = new Exchange(catalogue, opts.seed ?? 1);
  let baseLatency = opts.latencyMs ?? 0;
  let limits: Limits = { ...DEFAULT_LIMITS };
  let faults: Fault[] = [];
  let log: LogEntry[] = [];
  let seq = 0;
  let exchangeInfoCache: { body: string; all: boolean } | undefined;
  // Weight and order counts per fixed window, as Binance counts them.
  let weightWindow = { start: 0, used: 0, rejected: 0 };
  let bannedUntil = 0;
  const orderWindows = new Map<
    string,
    { start10s: number; n10s: number; day: number; nDay: number }
  >();
  const aborts = new AbortController();

  const symbolParam = (p: Params) => {
    const raw = p.get("symbol");
    if (raw === null || raw === "") throw err.mandatory("symbol");
    return exchange.market(raw);
  };

  function exchangeInfo(p: Params) {
    let list: Market[];
    if (p.get("symbol")) list = [symbolParam(p)];
    else if (p.get("symbols")) {
      let names: string[];
      try {
        names = JSON.parse(p.get("symbols")!);
      } catch {
        throw err.illegal("symbols");
      }
      list = names.map((n) => exchange.market(n));
    } else {
      if (exchangeInfoCache) return exchangeInfoCache.body;
      list = [...exchange.markets.values()];
    }
    const body = JSON.stringify({
      timezone: "UTC",
      serverTime: Date.now(),
      rateLimits: [
        {
          rateLimitType: "REQUEST_WEIGHT",
          interval: "MINUTE",
          intervalNum: 1,
          limit: limits.weightPerMinute,
        },
        {
          rateLimitType: "ORDERS",
          interval: "SECOND",
          intervalNum: 10,
          limit: limits.ordersPer10s,
        },
        { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: limits.ordersPerDay },
        { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [],
      symbols: list.map((m) => exchangeInfoSymbol(m.spec)),
    });
    if (!p.get("symbol") && !p.get("symbols")) exchangeInfoCache = { body, all: true };
    return body;
  }

  function newOrder(ctx: Ctx, test: boolean) {
    const p = ctx.params;
    const account = ctx.account!;
    const m = symbolParam(p);
    const side = p.get("side");
    if (!side) throw err.mandatory("side");
    if (side !== "BUY" && side !== "SELL") throw err.badParam("side", side);
    const type = p.get("type");
    if (!type) throw err.mandatory("type");
    if (type !== "MARKET" && type !== "LIMIT") {
      throw new BinanceError(400, -1116, "Invalid orderType.");
    }
    let quantity: number | undefined;
    let quoteOrderQty: number | undefined;
    let price: number | undefined;
    let timeInForce = "GTC";
    if (type === "MARKET") {
      // rest-api.md "New order": MARKET takes quantity or quoteOrderQty.
      quantity = decimalParam(p, "quantity", false);
      quoteOrderQty = decimalParam(p, "quoteOrderQty", false);
      if (quantity === undefined && quoteOrderQty === undefined) {
        throw new BinanceError(
          400,
          -1102,
          "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
        );
      }
      if (quantity !== undefined && quoteOrderQty !== undefined) {
        throw new BinanceError(400, -1106, "Parameter 'quoteOrderQty' sent when not required.");
      }
    } else {
      timeInForce = p.get("timeInForce") ?? "";
      if (!timeInForce) throw err.mandatory("timeInForce");
      if (!["GTC", "IOC", "FOK"].includes(timeInForce)) {
        throw new BinanceError(400, -1115, "Invalid timeInForce.");
      }
      quantity = decimalParam(p, "quantity");
      price = decimalParam(p, "price");
    }
    const clientOrderId = p.get("newClientOrderId") ?? `sim-${crypto.randomUUID().slice(0, 20)}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) throw err.illegal("newClientOrderId");
    checkFilters(m, type, quantity, price, quoteOrderQty);
    if (test) return {};
    const order = exchange.place(account, {
      m,
      side,
      type,
      timeInForce,
      quantity,
      quoteOrderQty,
      price,
      clientOrderId,
    });
    const respType = p.get("newOrderRespType") ?? "FULL";
    return newOrderJson(order, respType);
  }

  const orderRef = (p: Params) => {
    const orderId = intParam(p, "orderId");
    const clientId = p.get("origClientOrderId") ?? undefined;
    if (orderId === undefined && !clientId) {
      throw new BinanceError(
        400,
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      );
    }
    return { orderId, clientId };
  };

  const routes: Record<string, Route> = {
    "GET /api/v3/ping": { weight: () => 1, signed: false, handler: () => ({}) },
    "GET /api/v3/time": {
      weight: () => 1,
      signed: false,
      handler: () => ({ serverTime: Date.now() }),
    },
    "GET /api/v3/exchangeInfo": {
      weight: () => 20,
      signed: false,
      handler: ({ params }) => exchangeInfo(params),
    },
    "GET /api/v3/depth": {
      weight: (p) => {
        const limit = Number(p.get("limit") ?? 100);
        return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
      },
      signed: false,
      handler: ({ params }) => {
        const m = symbolParam(params);
        const book = exchange.book(m);
        const limit = Number(params.get("limit") ?? 100);
        const side = (l: { price: number; qty: number }[]) =>
          l.slice(0, limit).map((x) => [fmt(x.price), fmt(x.qty)]);
        return { lastUpdateId: m.trades + 1, bids: side(book.bids), asks: side(book.asks) };
      },
    },
    "GET /api/v3/ticker/24hr": {
      weight: (p) => (p.get("symbol") ? 2 : 80),
      signed: false,
      handler: ({ params }) =>
        params.get("symbol")
          ? tickerJson(symbolParam(params), exchange.book(symbolParam(params)))
          : [...exchange.markets.values()].map((m) => tickerJson(m, exchange.book(m))),
    },
    "GET /api/v3/ticker/price": {
      weight: (p) => (p.get("symbol") ? 2 : 4),
      signed: false,
      handler: ({ params }) => {
        const one = (m: Market) => ({ symbol: m.spec.symbol, price: fmt(m.price) });
        return params.get("symbol")
          ? one(symbolParam(params))
          : [...exchange.markets.values()].map(one);
      },
    },
    "GET /api/v3/ticker/bookTicker": {
      weight: (p) => (p.get("symbol") ? 2 : 4),
      signed: false,
      handler: ({ params }) => {
        const one = (m: Market) => {
          const b = exchange.book(m);
          return {
            symbol: m.spec.symbol,
            bidPrice: fmt(b.bids[0]?.price ?? 0),
            bidQty: fmt(b.bids[0]?.qty ?? 0),
            askPrice: fmt(b.asks[0]?.price ?? 0),
            askQty: fmt(b.asks[0]?.qty ?? 0),
          };
        };
        return params.get("symbol")
          ? one(symbolParam(params))
          : [...exchange.markets.values()].map(one);
      },
    },
    "POST /api/v3/order": {
      weight: () => 1,
      signed: true,
      order: true,
      handler: (ctx) => newOrder(ctx, false),
    },
    "POST /api/v3/order/test": {
      weight: (p) => (p.get("computeCommissionRates") === "true" ? 20 : 1),
      signed: true,
      handler: (ctx) => newOrder(ctx, true),
    },
    "GET /api/v3/order": {
      weight: () => 4,
      signed: true,
      handler: ({ params, account }) => {
        const m = symbolParam(params);
        const ref = orderRef(params);
        return orderJson(exchange.findOrder(account!, m.spec.symbol, ref.orderId, ref.clientId));
      },
    },
    "DELETE /api/v3/order": {
      weight: () => 1,
      signed: true,
      handler: ({ params, account }) => {
        const m = symbolParam(params);
        const ref = orderRef(params);
        let order: Order;
        try {
          order = exchange.findOrder(account!, m.spec.symbol, ref.orderId, ref.clientId);
        } catch {
          // rest-api.md "Cancel order": an unknown order is -2011, not -2013.
          throw err.unknownOrder();
        }
        exchange.cancel(account!, order);
        const { time: _t, updateTime: _u, isWorking: _w, workingTime: _wt, ...rest } = orderJson(
          order,
        );
        return {
          ...rest,
          origClientOrderId: order.clientOrderId,
          clientOrderId: params.get("newClientOrderId") ?? `cancel-${order.orderId}`,
          transactTime: order.updateTime,
        };
      },
    },
    "GET /api/v3/openOrders": {
      weight: (p) => (p.get("symbol") ? 6 : 80),
      signed: true,
      handler: ({ params, account }) => {
        const symbol = params.get("symbol") ? symbolParam(params).spec.symbol : undefined;
        return exchange.openOrders(account!, symbol).map(orderJson);
      },
    },
    "DELETE /api/v3/openOrders": {
      weight: () => 1,
      signed: true,
      handler: ({ params, account }) => {
        const m = symbolParam(params);
        const open = exchange.openOrders(account!, m.spec.symbol);
        if (open.length === 0) throw err.unknownOrder();
        return open.map((o) => {
          exchange.cancel(account!, o);
          return { ...orderJson(o), origClientOrderId: o.clientOrderId };
        });
      },
    },
    "GET /api/v3/allOrders": {
      weight: () => 20,
      signed: true,
      handler: ({ params, account }) => {
        const m = symbolParam(params);
        const limit = Math.min(Number(params.get("limit") ?? 500), 1000);
        const fromId = intParam(params, "orderId") ?? 0;
        const start = intParam(params, "startTime") ?? 0;
        const end = intParam(params, "endTime") ?? Number.MAX_SAFE_INTEGER;
        return [...account!.orders.values()]
          .filter((o) => o.symbol === m.spec.symbol && o.orderId >= fromId)
          .filter((o) => o.time >= start && o.time <= end)
          .sort((a, b) => a.orderId - b.orderId)
          .slice(0, limit)
          .map(orderJson);
      },
    },
    "GET /api/v3/myTrades": {
      weight: (p) => (p.get("orderId") ? 5 : 20),
      signed: true,
      handler: ({ params, account }) => {
        const m = symbolParam(params);
        const orderId = intParam(params, "orderId");
        const fromId = intParam(params, "fromId");
        const start = intParam(params, "startTime") ?? 0;
        const end = intParam(params, "endTime") ?? Number.MAX_SAFE_INTEGER;
        const limit = Math.min(Number(params.get("limit") ?? 500), 1000);
        let rows = exchange.tradesOf(account!).filter((t) => t.order.symbol === m.spec.symbol);
        if (orderId !== undefined) rows = rows.filter((t) => t.order.orderId === orderId);
        if (fromId !== undefined) rows = rows.filter((t) => t.fill.tradeId >= fromId);
        rows = rows.filter((t) => t.fill.time >= start && t.fill.time <= end);
        // rest-api.md "Account trade list": without fromId, the most recent trades.
        if (fromId === undefined && params.get("startTime") === null) rows = rows.slice(-limit);
        else rows = rows.slice(0, limit);
        return rows.map(({ order, fill }) => ({
          symbol: order.symbol,
          id: fill.tradeId,
          orderId: order.orderId,
          orderListId: -1,
          price: fmt(fill.price),
          qty: fmt(fill.qty),
          quoteQty: fmt(fill.price * fill.qty),
          commission: fmt(fill.commission),
          commissionAsset: fill.commissionAsset,
          time: fill.time,
          isBuyer: order.side === "BUY",
          isMaker: fill.maker,
          isBestMatch: true,
        }));
      },
    },
    "GET /api/v3/account": {
      weight: () => 20,
      signed: true,
      handler: ({ params, account }) => {
        const a = account!;
        const omitZero = params.get("omitZeroBalances") === "true";
        return {
          makerCommission: 10,
          takerCommission: 10,
          buyerCommission: 0,
          sellerCommission: 0,
          commissionRates: {
            maker: "0.00100000",
            taker: "0.00100000",
            buyer: "0.00000000",
            seller: "0.00000000",
          },
          canTrade: a.permissions.enableSpotAndMarginTrading,
          canWithdraw: a.permissions.enableWithdrawals,
          canDeposit: true,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: false,
          updateTime: Date.now(),
          accountType: "SPOT",
          balances: [...a.balances.entries()]
            .filter(([, b]) => !omitZero || b.free > 0 || b.locked > 0)
            .map(([asset, b]) => ({ asset, free: fmt(b.free), locked: fmt(b.locked) })),
          permissions: ["SPOT"],
          uid: a.uid,
        };
      },
    },
    "GET /sapi/v1/account/apiRestrictions": {
      weight: () => 1,
      signed: true,
      handler: ({ account }) => {
        const a = account!;
        return {
          ipRestrict: a.permissions.ipRestrict,
          createTime: a.createTime,
          enableInternalTransfer: false,
          enableFutures: false,
          enablePortfolioMarginTrading: false,
          enableVanillaOptions: false,
          permitsUniversalTransfer: false,
          enableReading: a.permissions.enableReading,
          enableSpotAndMarginTrading: a.permissions.enableSpotAndMarginTrading,
          enableWithdrawals: a.permissions.enableWithdrawals,
          enableMargin: false,
          enableFixApiTrade: false,
          enableFixReadOnly: false,
        };
      },
    },
  };

  /** rest-api.md "SIGNED endpoint security": HMAC over query string + body, then time. */
  function authenticate(req: Request, query: string, body: string, params: Params, route: Route) {
    const apiKey = req.headers.get("x-mbx-apikey");
    if (!apiKey) {
      throw new BinanceError(401, -2014, "API-key format invalid.");
    }
    const account = exchange.accounts.get(apiKey);
    if (!account) throw err.invalidKey();
    const signature = params.get("signature");
    if (!signature) throw err.mandatory("signature");
    const payload = [query, body].filter(Boolean).join("")
      .replace(/&?signature=[^&]*/, "");
    const expected = createHmac("sha256", account.secret).update(payload).digest("hex");
    const given = new TextEncoder().encode(signature.toLowerCase());
    const want = new TextEncoder().encode(expected);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new BinanceError(400, -1022, "Signature for this request is not valid.");
    }
    const timestamp = intParam(params, "timestamp");
    if (timestamp === undefined) throw err.mandatory("timestamp");
    const recvWindow = Number(params.get("recvWindow") ?? DEFAULT_RECV_WINDOW);
    if (!(recvWindow > 0) || recvWindow > 60000) {
      throw new BinanceError(400, -1131, "recvWindow must be less than 60000");
    }
    const serverTime = Date.now();
    if (timestamp >= serverTime + 1000) {
      throw new BinanceError(
        400,
        -1021,
        "Timestamp for this request was 1000ms ahead of the server's time.",
      );
    }
    if (serverTime - timestamp > recvWindow) {
      throw new BinanceError(
        400,
        -1021,
        "Timestamp for this request is outside of the recvWindow.",
      );
    }
    const path = new URL(req.url).pathname;
    const readOnly = req.method === "GET" && path !== "/api/v3/order/test";
    if (
      !account.permissions.enableReading && readOnly && path !== "/sapi/v1/account/apiRestrictions"
    ) {
      throw err.invalidKey();
    }
    if (
      !account.permissions.enableSpotAndMarginTrading &&
      (req.method !== "GET" || route.order)
    ) {
      throw err.invalidKey();
    }
    return account;
  }

  function json(status: number, body: unknown, headers: Record<string, string> = {}) {
    return new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json;charset=UTF-8", ...headers },
    });
  }

  /** LIMITS: over the request weight of the minute (rest-api.md, -1003). */
  const tooManyRequests = () =>
    new BinanceError(
      429,
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) is ${limits.weightPerMinute} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
    );
  /** LIMITS: the IP ban that follows repeated 429s. */
  const banned = (until: number) =>
    new BinanceError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    );

  function errorResponse(e: BinanceError, headers: Record<string, string> = {}) {
    return json(e.status, { code: e.code, msg: e.message }, headers);
  }

  function takeFault(method: string, path: string, apiKey: string | null): Fault | undefined {
    const f = faults.find((x) =>
      x.remaining > 0 && (!x.method || x.method === method) && (!x.path || x.path === path) &&
      (!x.apiKey || x.apiKey === apiKey)
    );
    if (f) {
      f.remaining--;
      faults = faults.filter((x) => x.remaining > 0);
    }
    return f;
  }

  function weightHeaders() {
    return {
      "x-mbx-used-weight-1m": String(weightWindow.used),
      "x-mbx-used-weight": String(weightWindow.used),
    };
  }

  async function binance(
    req: Request,
  ): Promise<{ res: Response; entry: Omit<LogEntry, "seq" | "time"> }> {
    const url = new URL(req.url);
    const path = url.pathname;
    const key = `${req.method} ${path}`;
    const route = routes[key];
    const body = req.method === "GET" ? "" : await req.text();
    const query = url.search.replace(/^\?/, "");
    const params = new URLSearchParams(query);
    if (body) { for (const [k, v] of new URLSearchParams(body)) params.append(k, v); }
    const apiKey = req.headers.get("x-mbx-apikey");
    const entry = {
      method: req.method,
      path,
      weight: 0,
      signed: !!route?.signed,
      api_key: apiKey,
      status: 200,
    };
    const now = Date.now();

    if (baseLatency > 0) await sleep(baseLatency, aborts.signal);
    const fault = takeFault(req.method, path, apiKey);
    if (fault?.kind === "latency") await sleep(fault.latencyMs, aborts.signal);

    if (!route) {
      entry.status = 404;
      return { res: json(404, { code: -1000, msg: "Unknown endpoint." }), entry };
    }

    // LIMITS: an IP ban answers 418 until it ends; a full weight window answers 429.
    if (now < bannedUntil) {
      entry.status = 418;
      const retry = Math.ceil((bannedUntil - now) / 1000);
      return {
        res: errorResponse(
          banned(bannedUntil),
          { "retry-after": String(retry) },
        ),
        entry,
      };
    }
    if (now - weightWindow.start >= 60_000) {
      weightWindow = { start: now - (now % 60_000), used: 0, rejected: 0 };
    }
    const weight = route.weight(params);
    entry.weight = weight;
    if (weightWindow.used + weight > limits.weightPerMinute) {
      weightWindow.rejected++;
      const retry = Math.ceil((weightWindow.start + 60_000 - now) / 1000);
      if (weightWindow.rejected > limits.banAfter429s) {
        bannedUntil = now + limits.banSeconds * 1000;
      }
      entry.status = 429;
      return {
        res: errorResponse(
          tooManyRequests(),
          { "retry-after": String(retry), ...weightHeaders() },
        ),
        entry,
      };
    }
    weightWindow.used += weight;
    const headers: Record<string, string> = weightHeaders();

    if (
      fault && fault.kind !== "latency" && fault.kind !== "timeout_after_execute" &&
      fault.kind !== "clock_skew"
    ) {
      if (fault.kind === "http_500") {
        entry.status = 500;
        return { res: new Response("Internal Server Error", { status: 500 }), entry };
      }
      if (fault.kind === "http_503") {
        entry.status = 503;
        return { res: new Response("Service Unavailable", { status: 503 }), entry };
      }
      if (fault.kind === "rate_limit_429") {
        entry.status = 429;
        return {
          res: errorResponse(
            tooManyRequests(),
            { "retry-after": String(fault.retryAfter), ...headers },
          ),
          entry,
        };
      }
      if (fault.kind === "ban_418") {
        entry.status = 418;
        const until = now + fault.retryAfter * 1000;
        return {
          res: errorResponse(
            banned(until),
            { "retry-after": String(fault.retryAfter), ...headers },
          ),
          entry,
        };
      }
      if (fault.kind === "reset") {
        entry.status = 0;
        const broken = new ReadableStream({ start: (c) => c.error(new Error("connection reset")) });
        return { res: new Response(broken, { status: 200 }), entry };
      }
    }

    try {
      let account: Account | undefined;
      if (route.signed) {
        account = authenticate(req, query, body, params, route);
        if (fault?.kind === "clock_skew") {
          throw new BinanceError(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
          );
        }
      }
      if (route.order && account) {
        const w = orderWindows.get(account.apiKey) ?? { start10s: now, n10s: 0, day: now, nDay: 0 };
        if (now - w.start10s >= 10_000) {
          Object.assign(w, { start10s: now - (now % 10_000), n10s: 0 });
        }
        if (now - w.day >= 86_400_000) Object.assign(w, { day: now, nDay: 0 });
        if (w.n10s >= limits.ordersPer10s) {
          entry.status = 429;
          return {
            res: errorResponse(
              new BinanceError(
                429,
                -1015,
                `Too many new orders; current limit is ${limits.ordersPer10s} orders per 10 SECOND.`,
              ),
              { "retry-after": String(Math.ceil((w.start10s + 10_000 - now) / 1000)), ...headers },
            ),
            entry,
          };
        }
        w.n10s++;
        w.nDay++;
        orderWindows.set(account.apiKey, w);
        headers["x-mbx-order-count-10s"] = String(w.n10s);
        headers["x-mbx-order-count-1d"] = String(w.nDay);
      }
      const result = route.handler({ params, account });
      if (fault?.kind === "timeout_after_execute") {
        // rest-api.md "General API Information": a timeout means the execution status is
        // UNKNOWN. The order was executed; the answer never comes before the client gives up.
        await sleep(fault.latencyMs, aborts.signal);
        entry.status = 504;
        return { res: new Response("Gateway Timeout", { status: 504 }), entry };
      }
      return { res: json(200, result as object, headers), entry };
    } catch (e) {
      if (e instanceof BinanceError) {
        entry.status = e.status;
        return { res: errorResponse(e, headers), entry };
      }
      entry.status = 500;
      console.error("simulator bug:", e);
      return {
        res: json(500, {
          code: -1000,
          msg: "An unknown error occurred while processing the request.",
        }),
        entry,
      };
    }
  }

  // -- control API --------------------------------------------------------------------------

  async function control(req: Request, path: string, url: URL): Promise<Response> {
    const body = req.method === "POST" ? await req.json().catch(() => ({})) : {};
    const ok = (x: unknown) => json(200, x);
    const bad = (msg: string) => json(400, { error: msg });
    if (req.method === "POST" && path === "/__sim/accounts") {
      const a = exchange.createAccount({
        apiKey: body.api_key,
        secret: body.secret,
        balances: body.balances,
        permissions: body.permissions,
      });
      return ok({ api_key: a.apiKey, secret: a.secret });
    }
    if (req.method === "POST" && path === "/__sim/balances") {
      const a = exchange.accounts.get(body.api_key);
      if (!a) return bad("unknown api_key");
      exchange.setBalances(a, body.balances ?? {});
      return ok({});
    }
    if (req.method === "GET" && path.startsWith("/__sim/accounts/")) {
      const a = exchange.accounts.get(decodeURIComponent(path.slice("/__sim/accounts/".length)));
      if (!a) return json(404, { error: "unknown api_key" });
      return ok({
        balances: Object.fromEntries(
          [...a.balances].map(([k, b]) => [k, { free: fmt(b.free), locked: fmt(b.locked) }]),
        ),
        orders: [...a.orders.values()].map(orderJson),
        trades: exchange.tradesOf(a).map(({ order, fill }) => ({
          orderId: order.orderId,
          ...fillJson(fill),
        })),
      });
    }
    if (req.method === "POST" && path === "/__sim/prices") {
      try {
        const m = exchange.market(body.symbol);
        const price = Number(body.price);
        if (!(price > 0)) return bad("price must be positive");
        exchange.setPrice(
          m.spec.symbol,
          price,
          body.level_quote !== undefined ? Number(body.level_quote) : undefined,
        );
        return ok({ symbol: m.spec.symbol, price: fmt(m.price) });
      } catch {
        return bad("unknown symbol");
      }
    }
    if (path === "/__sim/requests") {
      if (req.method === "DELETE") {
        log = [];
        return ok({});
      }
      const since = Number(url.searchParams.get("since") ?? 0);
      return ok(log.filter((e) => e.seq > since));
    }
    if (path === "/__sim/faults") {
      if (req.method === "DELETE") {
        faults = [];
        return ok({});
      }
      const kinds: FaultKind[] = [
        "latency",
        "http_500",
        "http_503",
        "rate_limit_429",
        "ban_418",
        "reset",
        "timeout_after_execute",
        "clock_skew",
      ];
      if (!kinds.includes(body.kind)) return bad(`kind must be one of ${kinds.join(", ")}`);
      faults.push({
        method: body.method,
        path: body.path,
        apiKey: body.api_key,
        kind: body.kind,
        remaining: Number(body.count ?? 1),
        latencyMs: Number(
          body.latency_ms ?? (body.kind === "timeout_after_execute" ? 30_000 : 100),
        ),
        retryAfter: Number(body.retry_after ?? 2),
      });
      return ok({ faults: faults.length });
    }
    if (req.method === "POST" && path === "/__sim/limits") {
      limits = {
        weightPerMinute: Number(body.weight_per_minute ?? limits.weightPerMinute),
        ordersPer10s: Number(body.orders_per_10s ?? limits.ordersPer10s),
        ordersPerDay: Number(body.orders_per_day ?? limits.ordersPerDay),
        banAfter429s: Number(body.ban_after_429s ?? limits.banAfter429s),
        banSeconds: Number(body.ban_seconds ?? limits.banSeconds),
      };
      if (body.reset_windows) {
        weightWindow = { start: 0, used: 0, rejected: 0 };
        bannedUntil = 0;
        orderWindows.clear();
      }
      exchangeInfoCache = undefined;
      return ok(limits);
    }
    if (req.method === "POST" && path === "/__sim/latency") {
      baseLatency = Number(body.latency_ms ?? 0);
      return ok({ latency_ms: baseLatency });
    }
    if (req.method === "POST" && path === "/__sim/reset") {
      exchange.reset();
      faults = [];
      log = [];
      weightWindow = { start: 0, used: 0, rejected: 0 };
      bannedUntil = 0;
      orderWindows.clear();
      exchangeInfoCache = undefined;
      return ok({});
    }
    return json(404, { error: "unknown control endpoint" });
  }

  const server = Deno.serve({
    hostname,
    port: opts.port ?? 0,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    if (isWsApiPath(url.pathname)) return await handleWsApi(exchange, req); // WebSocket API
    if (url.pathname.startsWith("/__sim/")) return await control(req, url.pathname, url);
    const { res, entry } = await binance(req);
    log.push({ seq: ++seq, time: Date.now(), ...entry });
    if (log.length > MAX_LOG) log = log.slice(-MAX_LOG / 2);
    return res;
  });

  let walk: number | undefined;
  if (opts.walkMs && opts.walkMs > 0) {
    const rand = prng((opts.seed ?? 1) + 7);
    walk = setInterval(() => {
      for (const m of exchange.markets.values()) {
        if (rand() < 0.5) continue;
        const tick = Number(m.spec.tickSize);
        const next = Math.max(
          tick,
          Math.round(m.price * (1 + (rand() - 0.5) * 0.002) / tick) * tick,
        );
        exchange.setPrice(m.spec.symbol, r8(next));
      }
    }, opts.walkMs);
  }

  const port = server.addr.port;
  return Promise.resolve({
    url: `http://${hostname}:${port}`,
    port,
    exchange,
    async close() {
      if (walk !== undefined) clearInterval(walk);
      aborts.abort();
      closeWsApi(exchange);
      await server.shutdown();
    },
  });
}
