/**
 * Answer shapes (rest-api.md "New order", "Query order", "24hr ticker price change
 * statistics") and the JSON/error responses every route uses.
 */
import { fmt } from "./catalogue.ts";
import type { BinanceError } from "./errors.ts";
import type { Exchange, Fill, Market, Order } from "./exchange.ts";

/** rest-api.md "Conditional fields in Order Responses": shown only when they apply. */
function conditional(o: Order) {
  return {
    ...(o.icebergQty !== undefined ? { icebergQty: fmt(o.icebergQty) } : {}),
    ...(o.preventedMatchId !== undefined
      ? { preventedMatchId: o.preventedMatchId, preventedQuantity: fmt(o.preventedQuantity) }
      : {}),
  };
}

export function orderJson(o: Order) {
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
    // stopPrice is shown for stop orders only, which the simulator does not offer.
    ...conditional(o),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    selfTradePreventionMode: o.stp,
  };
}

export function fillJson(f: Fill) {
  return {
    price: fmt(f.price),
    qty: fmt(f.qty),
    commission: fmt(f.commission),
    commissionAsset: f.commissionAsset,
    tradeId: f.tradeId,
  };
}

export function newOrderJson(o: Order, respType: string) {
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
    ...conditional(o),
    selfTradePreventionMode: o.stp,
  };
  if (respType === "RESULT") return result;
  return { ...result, fills: o.fills.map(fillJson) };
}

export function tickerJson(m: Market, book: ReturnType<Exchange["book"]>) {
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

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json;charset=UTF-8", ...headers },
  });
}

export function errorResponse(e: BinanceError, headers: Record<string, string> = {}) {
  return json(e.status, { code: e.code, msg: e.message }, headers);
}
