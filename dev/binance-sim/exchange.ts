/**
 * The simulated exchange's state: markets (price, status, price history), accounts with
 * free/locked balances, and their orders. Matching lives in matching.ts, commission in
 * fees.ts. Binance semantics follow rest-api.md ("New order", "Cancel order", "Query order")
 * and the FAQs; each subtle point cites its section.
 */
import { buildCatalogue, fmt, type SymbolSpec } from "./catalogue.ts";
import { BinanceError, err } from "./errors.ts";
import { fillRestingOrders, placeOrder, type PlaceRequest } from "./matching.ts";

export { BinanceError, err, fmt };

export const r8 = (x: number) => Math.round(x * 1e8) / 1e8;

/** Commission rate: 0.1% maker and taker, charged in the asset received (buy: base). */
export const COMMISSION = 0.001;
const DEFAULT_LEVEL_QUOTE_USD = 100_000;
/** How long price history is kept for the average price (filters.md avgPriceMins is 5). */
const HISTORY_MS = 60 * 60_000;

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

export type OrderStatus =
  | "NEW"
  | "PARTIALLY_FILLED"
  | "FILLED"
  | "CANCELED"
  | "EXPIRED"
  | "EXPIRED_IN_MATCH";

/** enums.md "STP Modes" (TRANSFER needs trade groups, which the simulator has not). */
export type StpMode = "NONE" | "EXPIRE_TAKER" | "EXPIRE_MAKER" | "EXPIRE_BOTH" | "DECREMENT";
export const STP_MODES: StpMode[] = [
  "NONE",
  "EXPIRE_TAKER",
  "EXPIRE_MAKER",
  "EXPIRE_BOTH",
  "DECREMENT",
];

/** enums.md "Symbol status". */
export type SymbolStatus = "TRADING" | "END_OF_DAY" | "HALT" | "BREAK" | "CANCEL_ONLY";
export const SYMBOL_STATUSES: SymbolStatus[] = [
  "TRADING",
  "END_OF_DAY",
  "HALT",
  "BREAK",
  "CANCEL_ONLY",
];

export interface Order {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  price: number;
  origQty: number;
  origQuoteOrderQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: OrderStatus;
  timeInForce: string;
  type: "MARKET" | "LIMIT" | "LIMIT_MAKER";
  side: "BUY" | "SELL";
  time: number;
  updateTime: number;
  fills: Fill[];
  /** Funds still locked by the resting part. */
  locked: number;
  stp: StpMode;
  /** stp_faq.md "What is prevented quantity?": quantity expired by self-trade prevention. */
  preventedQuantity: number;
  preventedMatchId?: number;
  /** Sent with the order: shown in answers only then (rest-api.md "Conditional fields"). */
  icebergQty?: number;
}

export type KeyType = "HMAC" | "Ed25519";

export interface Account {
  apiKey: string;
  /** HMAC: the shared secret. Ed25519: the public key (PEM) that verifies signatures. */
  secret: string;
  keyType: KeyType;
  permissions: Permissions;
  balances: Map<string, { free: number; locked: number }>;
  orders: Map<number, Order>;
  createTime: number;
  uid: number;
  /** Revoked through the control API: every signed request answers -2015. */
  revoked: boolean;
  /** commission_faq.md: pay commission in BNB at a discount when the balance allows. */
  bnbBurn: boolean;
}

export interface Market {
  spec: SymbolSpec;
  price: number;
  status: SymbolStatus;
  /** Quote held per book level; thin books are made by lowering it. */
  levelQuote: number;
  /** Price changes, oldest first: from `time` on the market traded at `price`. */
  history: { time: number; price: number }[];
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

export const isFinal = (o: Order) =>
  o.status === "FILLED" || o.status === "CANCELED" || o.status === "EXPIRED" ||
  o.status === "EXPIRED_IN_MATCH";

/**
 * Order and trade ids start from a time base, so a restarted simulator never hands out an
 * id it gave before (Binance's ids only grow). 16 ids per ms of the run's age is the headroom.
 */
/**
 * What changed on an account, for listeners such as the WebSocket API's user data stream
 * (ws_api.ts): an order placed (with the fills it took as taker), a resting order filled
 * (partly or fully) by a price move, an order canceled.
 */
export type ExchangeEvent =
  | { kind: "placed"; account: Account; order: Order }
  | { kind: "filled"; account: Account; order: Order; fill: Fill }
  | { kind: "canceled"; account: Account; order: Order };

const ID_EPOCH = Date.UTC(2024, 0, 1);
const timeBasedId = () => (Date.now() - ID_EPOCH) * 16;

export class Exchange {
  readonly markets = new Map<string, Market>();
  readonly accounts = new Map<string, Account>();
  #nextOrderId = timeBasedId();
  #nextTradeId = timeBasedId();
  #nextMatchId = 1;
  #nextUid = 1;
  /** Called with the account when one of its orders fills for the first time. */
  onFirstFill?: (account: Account) => void;
  readonly #listeners = new Set<(e: ExchangeEvent) => void>();

  /** Calls `listener` after every order change; returns the function that removes it. */
  onEvent(listener: (e: ExchangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners of a change (matching.ts calls it for maker fills). */
  emit(e: ExchangeEvent) {
    for (const listener of this.#listeners) listener(e);
  }

  constructor(readonly catalogue: "full" | "small", readonly seed: number) {
    this.reset();
  }

  /** Forgets accounts and markets; ids keep growing (they never repeat). */
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
        status: "TRADING",
        levelQuote: DEFAULT_LEVEL_QUOTE_USD / quoteUsd,
        history: [{ time: 0, price: spec.price }],
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

  nextOrderId() {
    return this.#nextOrderId++;
  }

  nextTradeId() {
    return this.#nextTradeId++;
  }

  nextPreventedMatchId() {
    return this.#nextMatchId++;
  }

  // -- accounts ---------------------------------------------------------------------------

  createAccount(opts: {
    apiKey?: string;
    secret?: string;
    keyType?: KeyType;
    balances?: Record<string, string | number>;
    permissions?: Partial<Permissions>;
    bnbBurn?: boolean;
  }): Account {
    const rand = () => crypto.getRandomValues(new Uint8Array(32));
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    const account: Account = {
      apiKey: opts.apiKey ?? hex(rand()),
      secret: opts.secret ?? hex(rand()),
      keyType: opts.keyType ?? "HMAC",
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
      revoked: false,
      bnbBurn: opts.bnbBurn ?? false,
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

  // -- book and prices ---------------------------------------------------------------------

  /** The synthetic book around the market price: 5 levels per side, a few ticks apart. */
  book(m: Market): { bids: Level[]; asks: Level[] } {
    const tick = Number(m.spec.tickSize);
    const gap = Math.max(tick, Math.ceil((m.price * 0.0001) / tick) * tick);
    const qty = this.levelQty(m);
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (let i = 0; i < 5; i++) {
      asks.push({ price: r8(m.price + gap * (i + 1)), qty });
      const bid = r8(m.price - gap * (i + 1));
      if (bid > 0) bids.push({ price: bid, qty });
    }
    return { bids, asks };
  }

  /** Base quantity one book level holds (and one price move trades). */
  levelQty(m: Market): number {
    const step = Number(m.spec.stepSize);
    return r8(Math.max(step, Math.floor(m.levelQuote / m.price / step) * step));
  }

  /**
   * filters.md "PERCENT_PRICE_BY_SIDE": the volume-weighted average price of the last
   * `mins` minutes. The simulated market trades evenly over time at its price, so this is
   * the time-weighted mean of the price over the window; `mins` 0 is the last price.
   */
  avgPrice(m: Market, mins: number, now = Date.now()): number {
    if (mins <= 0) return m.price;
    const from = now - mins * 60_000;
    let sum = 0;
    for (let i = 0; i < m.history.length; i++) {
      const start = Math.max(m.history[i].time, from);
      const end = i + 1 < m.history.length ? Math.min(m.history[i + 1].time, now) : now;
      if (end > start) sum += m.history[i].price * (end - start);
    }
    return sum > 0 ? sum / (now - from) : m.price;
  }

  /**
   * Moves a market's price. Resting orders the move crosses fill at their own price as
   * makers, best price first then oldest, up to one book level's quantity per move.
   * `settle` makes the new price the whole averaging window's (as if it had traded there
   * for long), so tests can move a market far without tripping PERCENT_PRICE_BY_SIDE.
   */
  setPrice(symbol: string, price: number, levelQuote?: number, settle = false) {
    const m = this.market(symbol);
    const now = Date.now();
    m.price = price;
    if (levelQuote !== undefined) m.levelQuote = levelQuote;
    m.high = Math.max(m.high, price);
    m.low = Math.min(m.low, price);
    if (settle) m.history = [];
    m.history.push({ time: settle ? 0 : now, price });
    const cut = m.history.findIndex((h) => h.time >= now - HISTORY_MS);
    if (cut > 1) m.history = m.history.slice(cut - 1);
    // A halted market does not trade (enums.md "Symbol status").
    if (m.status === "TRADING") fillRestingOrders(this, m);
  }

  // -- orders ------------------------------------------------------------------------------

  openOrders(account: Account, symbol?: string): Order[] {
    return [...account.orders.values()].filter((o) =>
      !isFinal(o) && (symbol === undefined || o.symbol === symbol)
    );
  }

  /**
   * rest-api.md "Query order": by orderId or origClientOrderId. With both, the order found
   * by orderId must carry that client id, else -2039. A client id may be reused once its
   * order is final, so the newest order with it is returned.
   */
  findOrder(account: Account, symbol: string, orderId?: number, clientOrderId?: string): Order {
    const candidates = [...account.orders.values()].filter((o) => o.symbol === symbol);
    const found = orderId !== undefined
      ? candidates.find((o) => o.orderId === orderId)
      : candidates.filter((o) => o.clientOrderId === clientOrderId).pop();
    if (!found) throw err.noSuchOrder();
    if (orderId !== undefined && clientOrderId && found.clientOrderId !== clientOrderId) {
      throw err.clientIdMismatch();
    }
    return found;
  }

  /** Places an order after the caller validated parameters and filters (matching.ts). */
  place(account: Account, req: PlaceRequest): Order {
    const order = placeOrder(this, account, req);
    this.emit({ kind: "placed", account, order });
    return order;
  }

  cancel(account: Account, order: Order): Order {
    if (isFinal(order)) throw err.unknownOrder();
    this.unlock(account, order);
    order.status = "CANCELED";
    order.updateTime = Date.now();
    this.emit({ kind: "canceled", account, order });
    return order;
  }

  /** Releases what a resting order still locks. */
  unlock(account: Account, order: Order) {
    if (order.locked <= 0) return;
    const m = this.market(order.symbol);
    const bal = this.balance(account, order.side === "BUY" ? m.spec.quote : m.spec.base);
    bal.locked = r8(bal.locked - order.locked);
    bal.free = r8(bal.free + order.locked);
    order.locked = 0;
  }

  tradesOf(account: Account) {
    const out: { order: Order; fill: Fill }[] = [];
    for (const order of account.orders.values()) {
      for (const fill of order.fills) out.push({ order, fill });
    }
    return out.sort((a, b) => a.fill.tradeId - b.fill.tradeId);
  }
}
