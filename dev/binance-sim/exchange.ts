/**
 * The simulated exchange: accounts with free/locked balances, a book around each symbol's
 * price, market and limit orders, fills with commission. Binance semantics follow
 * rest-api.md ("New order", "Cancel order", "Query order", "Account trade list") and
 * filters.md; each subtle point cites its section.
 */
import { buildCatalogue, fmt, type SymbolSpec } from "./catalogue.ts";

export const r8 = (x: number) => Math.round(x * 1e8) / 1e8;
const units = (x: number) => Math.round(x * 1e8);

/** Commission rate: 0.1% maker and taker, charged in the asset received (buy: base). */
export const COMMISSION = 0.001;
/** Book levels on each side, and how much quote each level holds by default. */
const LEVELS = 5;
const DEFAULT_LEVEL_QUOTE_USD = 100_000;

export class BinanceError extends Error {
  constructor(readonly status: number, readonly code: number, msg: string) {
    super(msg);
  }
}

export const err = {
  badSymbol: () => new BinanceError(400, -1121, "Invalid symbol."),
  mandatory: (p: string) =>
    new BinanceError(
      400,
      -1102,
      `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`,
    ),
  illegal: (p: string) =>
    new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${p}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
    ),
  precision: (p: string) =>
    new BinanceError(400, -1111, `Parameter '${p}' has too much precision.`),
  filter: (f: string) => new BinanceError(400, -1013, `Filter failure: ${f}`),
  insufficient: () =>
    new BinanceError(400, -2010, "Account has insufficient balance for requested action."),
  duplicate: () => new BinanceError(400, -2010, "Duplicate order sent."),
  unknownOrder: () => new BinanceError(400, -2011, "Unknown order sent."),
  noSuchOrder: () => new BinanceError(400, -2013, "Order does not exist."),
  invalidKey: () => new BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action."),
  keyFormat: () => new BinanceError(401, -2014, "API-key format invalid."),
  badParam: (p: string, v: string) =>
    new BinanceError(400, -1104 + 0, `Invalid value '${v}' for parameter '${p}'.`),
};

export interface Permissions {
  enableReading: boolean;
  enableSpotAndMarginTrading: boolean;
  enableWithdrawals: boolean;
  ipRestrict: boolean;
}

export interface Fill {
  price: number;
  qty: number;
  commission: number;
  commissionAsset: string;
  tradeId: number;
  maker: boolean;
  time: number;
}

export interface Order {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  price: number;
  origQty: number;
  origQuoteOrderQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED";
  timeInForce: string;
  type: "MARKET" | "LIMIT";
  side: "BUY" | "SELL";
  time: number;
  updateTime: number;
  fills: Fill[];
  /** Funds still locked by the resting part. */
  locked: number;
}

export interface Account {
  apiKey: string;
  secret: string;
  permissions: Permissions;
  balances: Map<string, { free: number; locked: number }>;
  orders: Map<number, Order>;
  createTime: number;
  uid: number;
}

export interface Market {
  spec: SymbolSpec;
  price: number;
  /** Quote held per book level; thin books are made by lowering it. */
  levelQuote: number;
  /** Last traded price and 24 h figures for the tickers. */
  open: number;
  high: number;
  low: number;
  volume: number;
  quoteVolume: number;
  trades: number;
}

export interface Level {
  price: number;
  qty: number;
}

/**
 * What changed on an account, for listeners such as the WebSocket API's user data stream
 * (ws_api.ts): an order placed (with the fills it took as taker), a resting order filled by
 * a price move, an order canceled.
 */
export type ExchangeEvent =
  | { kind: "placed"; account: Account; order: Order }
  | { kind: "filled"; account: Account; order: Order; fill: Fill }
  | { kind: "canceled"; account: Account; order: Order };

const isFinal = (o: Order) =>
  o.status === "FILLED" || o.status === "CANCELED" || o.status === "EXPIRED";

export class Exchange {
  readonly markets = new Map<string, Market>();
  readonly accounts = new Map<string, Account>();
  #nextOrderId = 1000;
  #nextTradeId = 5000;
  #nextUid = 1;
  readonly #listeners = new Set<(e: ExchangeEvent) => void>();

  /** Calls `listener` after every order change; returns the function that removes it. */
  onEvent(listener: (e: ExchangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: ExchangeEvent) {
    for (const listener of this.#listeners) listener(e);
  }

  constructor(readonly catalogue: "full" | "small", readonly seed: number) {
    this.reset();
  }

  reset() {
    this.markets.clear();
    this.accounts.clear();
    for (const spec of buildCatalogue(this.catalogue, this.seed)) {
      const quoteUsd = spec.quote === "BTC"
        ? 50000
        : spec.quote === "ETH"
        ? 3000
        : spec.quote === "BNB"
        ? 600
        : spec.quote === "TRY"
        ? 0.03
        : 1;
      this.markets.set(spec.symbol, {
        spec,
        price: spec.price,
        levelQuote: DEFAULT_LEVEL_QUOTE_USD / quoteUsd,
        open: spec.price,
        high: spec.price,
        low: spec.price,
        volume: 0,
        quoteVolume: 0,
        trades: 0,
      });
    }
  }

  market(symbol: string | null): Market {
    const m = symbol ? this.markets.get(symbol) : undefined;
    if (!m) throw err.badSymbol();
    return m;
  }

  // -- accounts ---------------------------------------------------------------------------

  createAccount(opts: {
    apiKey?: string;
    secret?: string;
    balances?: Record<string, string | number>;
    permissions?: Partial<Permissions>;
  }): Account {
    const rand = () => crypto.getRandomValues(new Uint8Array(32));
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    const account: Account = {
      apiKey: opts.apiKey ?? hex(rand()),
      secret: opts.secret ?? hex(rand()),
      permissions: {
        enableReading: true,
        enableSpotAndMarginTrading: true,
        enableWithdrawals: false,
        ipRestrict: false,
        ...opts.permissions,
      },
      balances: new Map(),
      orders: new Map(),
      createTime: Date.now(),
      uid: this.#nextUid++,
    };
    // Re-creating a key (a restarted stack) replaces its account.
    this.accounts.set(account.apiKey, account);
    this.setBalances(account, opts.balances ?? {});
    return account;
  }

  setBalances(account: Account, balances: Record<string, string | number>) {
    for (const [asset, value] of Object.entries(balances)) {
      const b = this.balance(account, asset);
      b.free = r8(Number(value));
    }
  }

  balance(account: Account, asset: string) {
    let b = account.balances.get(asset);
    if (!b) {
      b = { free: 0, locked: 0 };
      account.balances.set(asset, b);
    }
    return b;
  }

  // -- book --------------------------------------------------------------------------------

  /** The book around the market price: LEVELS levels per side, a few ticks apart. */
  book(m: Market): { bids: Level[]; asks: Level[] } {
    const tick = Number(m.spec.tickSize);
    const step = Number(m.spec.stepSize);
    const gap = Math.max(tick, Math.ceil((m.price * 0.0001) / tick) * tick);
    const levelQty = Math.max(step, Math.floor(m.levelQuote / m.price / step) * step);
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (let i = 0; i < LEVELS; i++) {
      asks.push({ price: r8(m.price + gap * (i + 1)), qty: r8(levelQty) });
      const bid = r8(m.price - gap * (i + 1));
      if (bid > 0) bids.push({ price: bid, qty: r8(levelQty) });
    }
    return { bids, asks };
  }

  // -- orders ------------------------------------------------------------------------------

  openOrders(account: Account, symbol?: string): Order[] {
    return [...account.orders.values()].filter((o) =>
      !isFinal(o) && (symbol === undefined || o.symbol === symbol)
    );
  }

  findOrder(account: Account, symbol: string, orderId?: number, clientOrderId?: string): Order {
    const candidates = [...account.orders.values()].filter((o) => o.symbol === symbol);
    // rest-api.md "Query order": either orderId or origClientOrderId; orderId wins. A client
    // id may be reused once its order is final, so the newest order with it is returned.
    const found = orderId !== undefined
      ? candidates.find((o) => o.orderId === orderId)
      : candidates.filter((o) => o.clientOrderId === clientOrderId).pop();
    if (!found) throw err.noSuchOrder();
    return found;
  }

  /**
   * Places an order after the caller validated parameters and filters. Funds are checked
   * first (-2010), then it matches against the book as taker; the rest of a LIMIT GTC order
   * rests with its funds locked.
   */
  place(account: Account, req: {
    m: Market;
    side: "BUY" | "SELL";
    type: "MARKET" | "LIMIT";
    timeInForce: string;
    quantity?: number;
    quoteOrderQty?: number;
    price?: number;
    clientOrderId: string;
  }): Order {
    const { m, side, type } = req;
    const { base, quote } = m.spec;
    // rest-api.md "New order": newClientOrderId must be unique among open orders.
    if (this.openOrders(account).some((o) => o.clientOrderId === req.clientOrderId)) {
      throw err.duplicate();
    }
    if (
      this.openOrders(account, m.spec.symbol).length >= m.spec.maxNumOrders && type === "LIMIT"
    ) {
      throw err.filter("MAX_NUM_ORDERS");
    }
    const now = Date.now();
    const order: Order = {
      symbol: m.spec.symbol,
      orderId: this.#nextOrderId++,
      clientOrderId: req.clientOrderId,
      price: type === "LIMIT" ? req.price! : 0,
      origQty: req.quantity ?? 0,
      origQuoteOrderQty: req.quoteOrderQty ?? 0,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      status: "NEW",
      timeInForce: type === "LIMIT" ? req.timeInForce : "GTC",
      type,
      side,
      time: now,
      updateTime: now,
      fills: [],
      locked: 0,
    };

    const book = this.book(m);
    const levels = side === "BUY" ? book.asks : book.bids;
    const limit = type === "LIMIT" ? req.price! : undefined;
    const crosses = (p: number) =>
      limit === undefined || (side === "BUY" ? p <= limit : p >= limit);
    const step = Number(m.spec.stepSize);

    // What would fill as taker now.
    const plan: Level[] = [];
    let wantQty = req.quantity;
    let wantQuote = req.quoteOrderQty;
    for (const level of levels) {
      if (!crosses(level.price)) break;
      let qty = level.qty;
      if (wantQty !== undefined) qty = Math.min(qty, wantQty);
      if (wantQuote !== undefined) {
        qty = Math.min(qty, Math.floor(units(wantQuote / level.price) / units(step)) * step);
      }
      qty = r8(qty);
      if (qty <= 0) break;
      plan.push({ price: level.price, qty });
      if (wantQty !== undefined) wantQty = r8(wantQty - qty);
      if (wantQuote !== undefined) wantQuote = r8(wantQuote - qty * level.price);
      if ((wantQty ?? 1) <= 0 || (wantQuote ?? 1) <= 0) break;
    }
    const takerQty = r8(plan.reduce((s, l) => s + l.qty, 0));
    const takerQuote = r8(plan.reduce((s, l) => s + l.qty * l.price, 0));
    const fullQty = req.quantity ?? takerQty;
    const restQty = type === "LIMIT" && req.timeInForce === "GTC" ? r8(fullQty - takerQty) : 0;

    // FOK: all or nothing (rest-api.md "Time in force").
    if (type === "LIMIT" && req.timeInForce === "FOK" && takerQty < fullQty) {
      order.status = "EXPIRED";
      account.orders.set(order.orderId, order);
      this.#emit({ kind: "placed", account, order });
      return order;
    }

    // Funds: what the taker part spends plus what the resting part locks.
    const quoteBal = this.balance(account, quote);
    const baseBal = this.balance(account, base);
    if (side === "BUY") {
      const need = r8(takerQuote + restQty * (limit ?? 0));
      if (need > quoteBal.free + 1e-12) throw err.insufficient();
    } else {
      const need = r8(takerQty + restQty);
      if (need > baseBal.free + 1e-12) throw err.insufficient();
    }

    for (const level of plan) this.#fill(account, order, m, level.price, level.qty, false);
    if (restQty > 0) {
      order.locked = side === "BUY" ? r8(restQty * limit!) : restQty;
      const bal = side === "BUY" ? quoteBal : baseBal;
      bal.free = r8(bal.free - order.locked);
      bal.locked = r8(bal.locked + order.locked);
    }
    if (type === "MARKET") {
      if (order.origQty === 0) order.origQty = takerQty;
      // A market order the book cannot fill completely expires with what it got.
      order.status = takerQty > 0 && (req.quantity === undefined || takerQty >= req.quantity)
        ? "FILLED"
        : "EXPIRED";
      if (req.quoteOrderQty !== undefined && takerQty > 0) order.status = "FILLED";
    } else if (restQty > 0) {
      order.status = takerQty > 0 ? "PARTIALLY_FILLED" : "NEW";
    } else {
      order.status = takerQty >= fullQty ? "FILLED" : "EXPIRED";
    }
    account.orders.set(order.orderId, order);
    this.#emit({ kind: "placed", account, order });
    return order;
  }

  #fill(account: Account, order: Order, m: Market, price: number, qty: number, maker: boolean) {
    const { base, quote } = m.spec;
    const quoteAmount = r8(price * qty);
    const now = Date.now();
    const quoteBal = this.balance(account, quote);
    const baseBal = this.balance(account, base);
    let commission: number;
    let commissionAsset: string;
    if (order.side === "BUY") {
      commission = r8(qty * COMMISSION);
      commissionAsset = base;
      if (maker) {
        // Paid from the locked funds at the order's price.
        quoteBal.locked = r8(quoteBal.locked - quoteAmount);
        order.locked = r8(order.locked - quoteAmount);
      } else {
        quoteBal.free = r8(quoteBal.free - quoteAmount);
      }
      baseBal.free = r8(baseBal.free + qty - commission);
    } else {
      commission = r8(quoteAmount * COMMISSION);
      commissionAsset = quote;
      if (maker) {
        baseBal.locked = r8(baseBal.locked - qty);
        order.locked = r8(order.locked - qty);
      } else {
        baseBal.free = r8(baseBal.free - qty);
      }
      quoteBal.free = r8(quoteBal.free + quoteAmount - commission);
    }
    order.executedQty = r8(order.executedQty + qty);
    order.cummulativeQuoteQty = r8(order.cummulativeQuoteQty + quoteAmount);
    order.updateTime = now;
    order.fills.push({
      price,
      qty,
      commission,
      commissionAsset,
      tradeId: this.#nextTradeId++,
      maker,
      time: now,
    });
    m.volume = r8(m.volume + qty);
    m.quoteVolume = r8(m.quoteVolume + quoteAmount);
    m.trades++;
  }

  cancel(account: Account, order: Order): Order {
    if (isFinal(order)) throw err.unknownOrder();
    this.#unlock(account, order);
    order.status = "CANCELED";
    order.updateTime = Date.now();
    this.#emit({ kind: "canceled", account, order });
    return order;
  }

  #unlock(account: Account, order: Order) {
    if (order.locked <= 0) return;
    const m = this.market(order.symbol);
    const bal = this.balance(account, order.side === "BUY" ? m.spec.quote : m.spec.base);
    bal.locked = r8(bal.locked - order.locked);
    bal.free = r8(bal.free + order.locked);
    order.locked = 0;
  }

  /** Moves a market's price; resting orders the move crosses fill at their price as makers. */
  setPrice(symbol: string, price: number, levelQuote?: number) {
    const m = this.market(symbol);
    m.price = price;
    if (levelQuote !== undefined) m.levelQuote = levelQuote;
    m.high = Math.max(m.high, price);
    m.low = Math.min(m.low, price);
    for (const account of this.accounts.values()) {
      for (const order of this.openOrders(account, symbol)) {
        const crossed = order.side === "BUY" ? price <= order.price : price >= order.price;
        if (!crossed) continue;
        const qty = r8(order.origQty - order.executedQty);
        this.#fill(account, order, m, order.price, qty, true);
        this.#unlock(account, order);
        order.status = "FILLED";
        this.#emit({ kind: "filled", account, order, fill: order.fills[order.fills.length - 1] });
      }
    }
  }

  tradesOf(account: Account) {
    const out: { order: Order; fill: Fill }[] = [];
    for (const order of account.orders.values()) {
      for (const fill of order.fills) out.push({ order, fill });
    }
    return out.sort((a, b) => a.fill.tradeId - b.fill.tradeId);
  }
}

export { fmt };
