/**
 * The user data stream events of the simulator's exchange changes (user-data-stream.md
 * "Order Update" and "Account Update"), with Binance's field names: an order placed gives NEW,
 * then one TRADE per fill it took (PARTIALLY_FILLED, the last FILLED), then EXPIRED when the
 * rest expired; a resting order filled by a price move gives a TRADE; a cancel gives CANCELED.
 * Each is followed by the balances of the order's two assets.
 */
import type { Account, Exchange, ExchangeEvent, Fill, Order } from "./exchange.ts";
import { fmt } from "./exchange.ts";

/** The stream events of one exchange change, in Binance's order. */
export function streamEventsOf(
  exchange: Exchange,
  e: ExchangeEvent,
  executionId: () => number,
): Record<string, unknown>[] {
  const { order } = e;
  const out: Record<string, unknown>[] = [];
  if (e.kind === "placed") {
    out.push(report(executionId, order, "NEW", "NEW", 0));
    order.fills.forEach((fill, i) => {
      const last = i === order.fills.length - 1;
      const status = last && order.status === "FILLED" ? "FILLED" : "PARTIALLY_FILLED";
      out.push(report(executionId, order, "TRADE", status, i + 1, fill));
    });
    if (order.status === "EXPIRED") {
      out.push(report(executionId, order, "EXPIRED", "EXPIRED", order.fills.length));
    }
  } else if (e.kind === "filled") {
    const n = order.fills.indexOf(e.fill) + 1;
    const status = n === order.fills.length && order.status === "FILLED"
      ? "FILLED"
      : "PARTIALLY_FILLED";
    out.push(report(executionId, order, "TRADE", status, n, e.fill));
  } else {
    out.push(report(executionId, order, "CANCELED", "CANCELED", order.fills.length));
  }
  const nothingMoved = e.kind === "placed" && order.status === "EXPIRED" && !order.fills.length;
  if (!nothingMoved) {
    out.push(position(exchange, e.account, order));
  }
  return out;
}

/**
 * user-data-stream.md "Order Update": the order as it stood after its first `fillsSoFar`
 * fills (z, Z cumulative; l, L, Y, n, N, t, m of this execution's fill).
 */
function report(
  executionId: () => number,
  order: Order,
  x: string,
  X: string,
  fillsSoFar: number,
  fill?: Fill,
): Record<string, unknown> {
  const done = order.fills.slice(0, fillsSoFar);
  const z = done.reduce((s, f) => s + f.qty, 0);
  const Z = done.reduce((s, f) => s + f.qty * f.price, 0);
  const now = Date.now();
  const T = fill?.time ?? (x === "NEW" ? order.time : order.updateTime);
  return {
    e: "executionReport",
    E: now,
    s: order.symbol,
    // On a cancel, c is the cancel request's own id and C the order's (ccxt reads C first).
    c: x === "CANCELED" ? `sim-cancel-${order.orderId}` : order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce,
    q: fmt(order.origQty),
    p: fmt(order.price),
    P: "0.00000000",
    F: "0.00000000",
    g: -1,
    C: x === "CANCELED" ? order.clientOrderId : "",
    x,
    X,
    r: "NONE",
    i: order.orderId,
    l: fmt(fill?.qty ?? 0),
    z: fmt(z),
    L: fmt(fill?.price ?? 0),
    n: fmt(fill?.commission ?? 0),
    N: fill?.commissionAsset ?? null,
    T,
    t: fill?.tradeId ?? -1,
    I: executionId(),
    w: X === "NEW" || X === "PARTIALLY_FILLED",
    m: fill?.maker ?? false,
    M: false,
    O: order.time,
    Z: fmt(Z),
    Y: fmt(fill ? fill.qty * fill.price : 0),
    Q: fmt(order.origQuoteOrderQty),
    ...(order.type === "LIMIT" ? { W: order.time } : {}),
    V: "EXPIRE_MAKER",
  };
}

/** user-data-stream.md "Account Update": the assets the order's change may have moved. */
function position(exchange: Exchange, account: Account, order: Order): Record<string, unknown> {
  const m = exchange.market(order.symbol);
  const assets = [m.spec.base, m.spec.quote];
  return {
    e: "outboundAccountPosition",
    E: Date.now(),
    u: Date.now(),
    B: assets.map((a) => {
      const b = exchange.balance(account, a);
      return { a, f: fmt(b.free), l: fmt(b.locked) };
    }),
  };
}
