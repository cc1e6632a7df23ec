/**
 * Matching: a new order against the synthetic book and the account's own resting orders
 * (self-trade prevention, faqs/stp_faq.md), the funds check for the whole order first
 * (faqs/market_orders_faq.md), fills with commission (fees.ts), and resting orders filling
 * as makers when the price moves across them.
 */
import { err } from "./errors.ts";
import { chargeCommission } from "./fees.ts";
import type { Account, Exchange, Market, Order, StpMode } from "./exchange.ts";

const r8 = (x: number) => Math.round(x * 1e8) / 1e8;
const units = (x: number) => Math.round(x * 1e8);
const isOpen = (o: Order) => o.status === "NEW" || o.status === "PARTIALLY_FILLED";

export interface PlaceRequest {
  m: Market;
  side: "BUY" | "SELL";
  type: "MARKET" | "LIMIT" | "LIMIT_MAKER";
  timeInForce: string;
  quantity?: number;
  quoteOrderQty?: number;
  price?: number;
  clientOrderId: string;
  stp?: StpMode;
  icebergQty?: number;
}

/** One step of the taker's walk: a synthetic book level, or a prevented self-trade. */
type Step =
  | { kind: "book"; price: number; qty: number }
  | { kind: "prevent"; maker?: Order; makerQty: number; takerQty: number; price: number };

export function placeOrder(ex: Exchange, account: Account, req: PlaceRequest): Order {
  const { m, side, type } = req;
  // errors.md "Market is closed.": only a TRADING symbol takes new orders.
  if (m.status !== "TRADING") throw err.marketClosed();
  // rest-api.md "New order": newClientOrderId must be unique among open orders.
  if (ex.openOrders(account).some((o) => o.clientOrderId === req.clientOrderId)) {
    throw err.duplicate();
  }
  // filters.md "MAX_NUM_ORDERS": every new order counts while it is open.
  if (ex.openOrders(account, m.spec.symbol).length >= m.spec.maxNumOrders) {
    throw err.filter("MAX_NUM_ORDERS");
  }
  const stp = req.stp ?? "EXPIRE_MAKER";
  const now = Date.now();
  const order: Order = {
    symbol: m.spec.symbol,
    orderId: ex.nextOrderId(),
    clientOrderId: req.clientOrderId,
    price: type === "MARKET" ? 0 : req.price!,
    origQty: req.quantity ?? 0,
    origQuoteOrderQty: req.quoteOrderQty ?? 0,
    executedQty: 0,
    cummulativeQuoteQty: 0,
    status: "NEW",
    timeInForce: type === "MARKET" ? "GTC" : req.timeInForce,
    type,
    side,
    time: now,
    updateTime: now,
    fills: [],
    locked: 0,
    stp,
    preventedQuantity: 0,
    icebergQty: req.icebergQty,
  };

  const limit = type === "MARKET" ? undefined : req.price!;
  const crosses = (p: number) => limit === undefined || (side === "BUY" ? p <= limit : p >= limit);
  const step = Number(m.spec.stepSize);
  const book = ex.book(m);
  // Liquidity in price order; the account's own opposite orders come first at a price.
  const own = ex.openOrders(account, m.spec.symbol).filter((o) => o.side !== side);
  const sources = [
    ...own.map((o) => ({
      price: o.price,
      qty: r8(o.origQty - o.executedQty - o.preventedQuantity),
      maker: o,
    })),
    ...(side === "BUY" ? book.asks : book.bids).map((l) => ({ ...l, maker: undefined })),
  ].sort((a, b) =>
    (side === "BUY" ? a.price - b.price : b.price - a.price) || (a.maker ? -1 : b.maker ? 1 : 0)
  );

  // Walk the liquidity without changing anything yet.
  const plan: Step[] = [];
  let wantQty = req.quantity;
  let wantQuote = req.quoteOrderQty;
  let takerStopped = false; // STP expired the taker
  let lastPrice: number | undefined;
  for (const src of sources) {
    if (!crosses(src.price)) break;
    lastPrice = src.price;
    let qty = src.qty;
    if (wantQty !== undefined) qty = Math.min(qty, wantQty);
    if (wantQuote !== undefined) {
      qty = Math.min(qty, Math.floor(units(wantQuote / src.price) / units(step)) * step);
    }
    qty = r8(qty);
    if (qty <= 0) break;
    // routes_trade.ts refuses NONE (not among the symbols' allowed modes), so an own order
    // met here always triggers prevention.
    if (src.maker) {
      // stp_faq.md "What happens when STP is triggered?": the taker's mode decides.
      const expireMaker = stp === "EXPIRE_MAKER" || stp === "EXPIRE_BOTH" ||
        (stp === "DECREMENT" && src.qty <= qty);
      const expireTaker = stp === "EXPIRE_TAKER" || stp === "EXPIRE_BOTH" ||
        (stp === "DECREMENT" && qty <= src.qty && wantQty !== undefined && qty >= wantQty);
      plan.push({
        kind: "prevent",
        maker: src.maker,
        price: src.price,
        makerQty: expireMaker ? src.qty : stp === "DECREMENT" ? qty : 0,
        takerQty: expireTaker ? (wantQty ?? qty) : stp === "DECREMENT" ? qty : 0,
      });
      if (stp === "DECREMENT") {
        if (wantQty !== undefined) wantQty = r8(wantQty - qty);
        if (wantQuote !== undefined) wantQuote = r8(wantQuote - qty * src.price);
      }
      if (expireTaker) {
        takerStopped = true;
        break;
      }
      continue;
    }
    plan.push({ kind: "book", price: src.price, qty });
    if (wantQty !== undefined) wantQty = r8(wantQty - qty);
    if (wantQuote !== undefined) wantQuote = r8(wantQuote - qty * src.price);
    if ((wantQty ?? 1) <= 0 || (wantQuote ?? 1) <= 0) break;
  }
  const fills = plan.filter((s) => s.kind !== "prevent") as { price: number; qty: number }[];
  const takerQty = r8(fills.reduce((s, l) => s + l.qty, 0));
  const takerQuote = r8(fills.reduce((s, l) => s + l.qty * l.price, 0));
  const preventedTaker = r8(
    plan.reduce((s, p) => s + (p.kind === "prevent" ? p.takerQty : 0), 0),
  );
  const fullQty = req.quantity ?? takerQty;
  const rests = type === "LIMIT_MAKER" || (type === "LIMIT" && req.timeInForce === "GTC");
  const restQty = rests && !takerStopped ? r8(fullQty - takerQty - preventedTaker) : 0;

  // errors.md: a LIMIT_MAKER that would take is refused.
  if (type === "LIMIT_MAKER" && plan.length > 0) {
    throw err.rejected("Order would immediately match and take.");
  }
  // rest-api.md "Time in force": FOK fills completely or expires untouched.
  if (type === "LIMIT" && req.timeInForce === "FOK" && takerQty < fullQty) {
    order.status = "EXPIRED";
    account.orders.set(order.orderId, order);
    return order;
  }

  // faqs/market_orders_faq.md: the balance must cover the whole order, not just what the
  // book can fill; beyond the book the worst price reached is assumed.
  const { base, quote } = m.spec;
  const worst = lastPrice ?? (side === "BUY" ? book.asks.at(-1)?.price : book.bids.at(-1)?.price) ??
    m.price;
  const need = side === "BUY"
    ? (req.quoteOrderQty ??
      (limit !== undefined ? r8(fullQty * limit) : r8(takerQuote + (fullQty - takerQty) * worst)))
    : req.quoteOrderQty !== undefined
    ? r8(takerQty + Math.max(0, wantQuote ?? 0) / worst)
    : fullQty;
  const payBal = ex.balance(account, side === "BUY" ? quote : base);
  if (need > payBal.free + 1e-12) throw err.insufficient();

  for (const s of plan) {
    if (s.kind === "book") applyFill(ex, account, order, m, s.price, s.qty, false);
    else prevent(ex, account, s.maker, s.makerQty, order, s.takerQty);
  }
  if (restQty > 0) {
    order.locked = side === "BUY" ? r8(restQty * limit!) : restQty;
    payBal.free = r8(payBal.free - order.locked);
    const bal = ex.balance(account, side === "BUY" ? quote : base);
    bal.locked = r8(bal.locked + order.locked);
  }
  if (type === "MARKET" && order.origQty === 0) order.origQty = takerQty;
  order.status = statusAfterMatch(order, req, { takerQty, takerStopped, restQty, wantQuote, step });
  account.orders.set(order.orderId, order);
  return order;
}

function statusAfterMatch(
  order: Order,
  req: PlaceRequest,
  r: { takerQty: number; takerStopped: boolean; restQty: number; wantQuote?: number; step: number },
): Order["status"] {
  if (
    r.takerStopped || (order.preventedQuantity > 0 && r.restQty <= 0 && r.takerQty < order.origQty)
  ) {
    return "EXPIRED_IN_MATCH";
  }
  if (r.restQty > 0) return r.takerQty > 0 ? "PARTIALLY_FILLED" : "NEW";
  if (req.quoteOrderQty !== undefined) {
    // faqs/market_orders_faq.md: what the book cannot fill expires. By quote, "filled"
    // means what is left cannot buy one more step at the last price.
    const last = order.fills.at(-1)?.price ?? 0;
    const leftover = r.wantQuote ?? 0;
    return r.takerQty > 0 && leftover < r.step * last ? "FILLED" : "EXPIRED";
  }
  return r.takerQty > 0 && r.takerQty >= order.origQty ? "FILLED" : "EXPIRED";
}

/** stp_faq.md: expire the prevented quantity of the maker and/or the taker. */
function prevent(
  ex: Exchange,
  account: Account,
  maker: Order | undefined,
  makerQty: number,
  taker: Order,
  takerQty: number,
) {
  const id = ex.nextPreventedMatchId();
  const now = Date.now();
  if (maker && makerQty > 0) {
    maker.preventedQuantity = r8(maker.preventedQuantity + makerQty);
    maker.preventedMatchId = id;
    maker.updateTime = now;
    const left = r8(maker.origQty - maker.executedQty - maker.preventedQuantity);
    const m = ex.market(maker.symbol);
    const perUnit = maker.side === "BUY" ? maker.price : 1;
    const release = left <= 0 ? maker.locked : r8(makerQty * perUnit);
    const bal = ex.balance(account, maker.side === "BUY" ? m.spec.quote : m.spec.base);
    bal.locked = r8(bal.locked - release);
    bal.free = r8(bal.free + release);
    maker.locked = r8(maker.locked - release);
    if (left <= 0) maker.status = "EXPIRED_IN_MATCH";
  }
  if (takerQty > 0) {
    taker.preventedQuantity = r8(taker.preventedQuantity + takerQty);
    taker.preventedMatchId = id;
  }
}

/** A fill of `order` at `price`: balances move, commission is charged (fees.ts). */
export function applyFill(
  ex: Exchange,
  account: Account,
  order: Order,
  m: Market,
  price: number,
  qty: number,
  maker: boolean,
) {
  const { base, quote } = m.spec;
  const quoteAmount = r8(price * qty);
  const now = Date.now();
  const quoteBal = ex.balance(account, quote);
  const baseBal = ex.balance(account, base);
  const first = order.fills.length === 0;
  const received = order.side === "BUY" ? qty : quoteAmount;
  const receivedAsset = order.side === "BUY" ? base : quote;
  const { commission, commissionAsset } = chargeCommission(ex, account, receivedAsset, received);
  const net = commissionAsset === receivedAsset ? r8(received - commission) : received;
  if (order.side === "BUY") {
    if (maker) {
      // Paid from the locked funds at the order's price.
      quoteBal.locked = r8(quoteBal.locked - quoteAmount);
      order.locked = r8(order.locked - quoteAmount);
    } else {
      quoteBal.free = r8(quoteBal.free - quoteAmount);
    }
    baseBal.free = r8(baseBal.free + net);
  } else {
    if (maker) {
      baseBal.locked = r8(baseBal.locked - qty);
      order.locked = r8(order.locked - qty);
    } else {
      baseBal.free = r8(baseBal.free - qty);
    }
    quoteBal.free = r8(quoteBal.free + net);
  }
  order.executedQty = r8(order.executedQty + qty);
  order.cummulativeQuoteQty = r8(order.cummulativeQuoteQty + quoteAmount);
  order.updateTime = now;
  order.fills.push({
    price,
    qty,
    commission,
    commissionAsset,
    tradeId: ex.nextTradeId(),
    maker,
    time: now,
  });
  m.volume = r8(m.volume + qty);
  m.quoteVolume = r8(m.quoteVolume + quoteAmount);
  m.trades++;
  // faqs/order_count_decrement.md: an order's first fill lowers the unfilled order count.
  if (first) ex.onFirstFill?.(account);
}

/** A resting order fills `qty` at its own price as maker. */
function makerFill(ex: Exchange, account: Account, order: Order, m: Market, qty: number) {
  applyFill(ex, account, order, m, order.price, qty, true);
  const left = r8(order.origQty - order.executedQty - order.preventedQuantity);
  if (left <= 0) {
    ex.unlock(account, order);
    order.status = "FILLED";
  } else order.status = "PARTIALLY_FILLED";
  ex.emit({ kind: "filled", account, order, fill: order.fills[order.fills.length - 1] });
}

/**
 * A price move across resting orders: they fill as makers at their own price, best price
 * first, then oldest first, until one book level's quantity has traded. A large order thus
 * fills over several moves (PARTIALLY_FILLED), as on a real book.
 */
export function fillRestingOrders(ex: Exchange, m: Market) {
  const crossed: { account: Account; order: Order }[] = [];
  for (const account of ex.accounts.values()) {
    for (const order of account.orders.values()) {
      if (order.symbol !== m.spec.symbol || !isOpen(order)) continue;
      if (order.side === "BUY" ? m.price <= order.price : m.price >= order.price) {
        crossed.push({ account, order });
      }
    }
  }
  crossed.sort((a, b) =>
    a.order.side.localeCompare(b.order.side) ||
    (a.order.side === "BUY" ? b.order.price - a.order.price : a.order.price - b.order.price) ||
    a.order.orderId - b.order.orderId
  );
  const budget = { BUY: ex.levelQty(m), SELL: ex.levelQty(m) };
  for (const { account, order } of crossed) {
    const left = r8(order.origQty - order.executedQty - order.preventedQuantity);
    const qty = r8(Math.min(left, budget[order.side]));
    if (qty <= 0) continue;
    budget[order.side] = r8(budget[order.side] - qty);
    makerFill(ex, account, order, m, qty);
  }
}
