/**
 * sync-orders for one exchange account, at a cost that grows with what changed, not with how
 * many orders are open:
 * - per symbol with open orders: one `GET /api/v3/openOrders?symbol` (weight 6); an order still
 *   open with no new fill costs nothing more;
 * - an order no longer open: one `GET /api/v3/order` (weight 4) for its final state;
 * - the new fills of a symbol: one `GET /api/v3/myTrades?symbol&startTime` (weight 20, pages by
 *   `fromId`), from just before the oldest change (rest-api.md "Account trade list": at most 24 h
 *   between startTime and endTime); past that, one `myTrades?orderId` (weight 5) per order;
 * - a `pending` order: looked up by client order id (weight 4); one Binance does not have after
 *   recvWindow's bound was never received and is marked so.
 */
import { AppError } from "../errors.ts";
import type { OrderRow, SyncBatch } from "../db.ts";
import type { Binance } from "../exchange/binance.ts";
import type { OperationContext } from "../operation.ts";
import { amountStepOf, dbCall, marketOf, orderForDb, readExchange, targetOf } from "./common.ts";
import { accountExchange } from "./accounts.ts";

// deno-lint-ignore no-explicit-any
type CcxtOrder = Record<string, any>;

/** recvWindow's upper bound: a pending order older than this can no longer execute. */
export const MIN_SAFE_AGE_SECONDS = 60;

/** Trades are read from this long before the oldest change of a symbol's orders. */
const TRADES_MARGIN_MS = 60_000;
/** rest-api.md "Account trade list": startTime to endTime at most 24 hours; kept inside it. */
const TRADES_WINDOW_MS = 23 * 3600_000;
const TRADES_PAGE = 1000;

export interface Outcome {
  /** The order's row id (not returned to callers). */
  row_id: string;
  client_order_id: string;
  status: string;
  result: "recorded" | "unchanged" | "not_received" | "failed" | "deferred";
  error?: string;
}

/** The run's request weight, shared by the accounts settled concurrently. */
export class WeightBudget {
  used = 0;
  constructor(readonly cap: number) {}
  /** Whether a call of this weight still fits; takes it when it does. */
  take(weight: number): boolean {
    if (this.used + weight > this.cap) return false;
    this.used += weight;
    return true;
  }
}

class OverBudget extends Error {}

function outcomeOf(row: OrderRow, result: Outcome["result"], status?: string, error?: string) {
  return {
    row_id: row.id,
    client_order_id: row.client_order_id,
    status: status ?? row.status,
    result,
    ...(error ? { error } : {}),
  };
}

const errorCode = (err: unknown) =>
  err instanceof OverBudget ? "OVER_BUDGET" : err instanceof AppError ? err.code : "INTERNAL";

/** Settles one account's orders; never throws (every order gets an outcome). */
export async function syncAccount(
  ctx: OperationContext,
  batch: SyncBatch,
  budget: WeightBudget,
): Promise<Outcome[]> {
  let exchange: Binance;
  try {
    exchange = await accountExchange(ctx, batch, { priority: true });
  } catch (err) {
    return batch.orders.map((row) => outcomeOf(row, "failed", undefined, errorCode(err)));
  }
  const outcomes: Outcome[] = [];
  /** A refused key or a limit stops this account only. */
  let stop: string | undefined;
  const call = async <T>(weight: number, f: () => Promise<T>) => {
    if (!budget.take(weight)) throw new OverBudget();
    return await readExchange(ctx, targetOf(batch), exchange, f);
  };
  const record = async (order: CcxtOrder, trades: CcxtOrder[]) => {
    const market = await marketOf(ctx, batch.account.environment, order.symbol);
    return await dbCall(
      ctx,
      () =>
        ctx.deps.db.recordOrder(batch.account.id, orderForDb(order), trades, amountStepOf(market)),
    );
  };
  const fail = (row: OrderRow, err: unknown) => {
    const code = errorCode(err);
    if (code === "EXCHANGE_AUTH_FAILED" || code === "RATE_LIMITED") stop = code;
    outcomes.push(outcomeOf(row, code === "OVER_BUDGET" ? "deferred" : "failed", undefined, code));
  };

  for (const row of batch.orders.filter((o) => o.status === "pending")) {
    if (stop) {
      outcomes.push(outcomeOf(row, "failed", undefined, stop));
      continue;
    }
    // Younger than recvWindow's bound it might still be in flight: only an answer settles it.
    const mayReject = ctx.deps.now() - Date.parse(row.created_at) >= MIN_SAFE_AGE_SECONDS * 1000;
    try {
      const order = await call(4, () =>
        exchange.fetchOrder(
          row.exchange_order_id ?? (undefined as unknown as string),
          row.symbol,
          row.exchange_order_id ? {} : { origClientOrderId: row.client_order_id },
        ));
      const trades = Number(order.filled ?? 0) > 0
        ? await call(
          5,
          () => exchange.fetchMyTrades(row.symbol, undefined, undefined, { orderId: order.id }),
        )
        : [];
      const recorded = await record(order, trades);
      outcomes.push(outcomeOf(row, "recorded", recorded.order?.status ?? order.status));
    } catch (err) {
      if (err instanceof AppError && err.code === "ORDER_NOT_FOUND" && mayReject) {
        await dbCall(ctx, () =>
          ctx.deps.db.rejectOrder(batch.account.id, row.client_order_id, {
            code: "NOT_RECEIVED",
            message: "Binance never received this order",
          }));
        outcomes.push(outcomeOf(row, "not_received", "rejected"));
      } else {
        fail(row, err);
      }
    }
  }

  const open = batch.orders.filter((o) => o.status === "open");
  const symbols = [...new Set(open.map((o) => o.symbol))];
  for (const symbol of symbols) {
    const rows = open.filter((o) => o.symbol === symbol);
    if (stop) {
      for (const row of rows) outcomes.push(outcomeOf(row, "failed", undefined, stop));
      continue;
    }
    try {
      outcomes.push(...await syncSymbol(symbol, rows));
    } catch (err) {
      for (const row of rows) fail(row, err);
    }
  }
  return outcomes;

  async function syncSymbol(symbol: string, rows: OrderRow[]): Promise<Outcome[]> {
    const stillOpen = await call(6, () => exchange.fetchOpenOrders(symbol));
    const byId = new Map(stillOpen.map((o) => [String(o.id), o as CcxtOrder]));
    const changed: { row: OrderRow; order: CcxtOrder }[] = [];
    const out: Outcome[] = [];
    for (const row of rows) {
      const current = row.exchange_order_id ? byId.get(row.exchange_order_id) : undefined;
      if (current) {
        if (Number(current.filled ?? 0) > Number(row.filled ?? 0)) {
          changed.push({ row, order: current });
        } else {
          out.push(outcomeOf(row, "unchanged"));
        }
        continue;
      }
      // Not open any more: filled, canceled or expired since we last looked.
      const final = await call(4, () =>
        exchange.fetchOrder(
          row.exchange_order_id ?? (undefined as unknown as string),
          symbol,
          row.exchange_order_id ? {} : { origClientOrderId: row.client_order_id },
        ));
      changed.push({ row, order: final });
    }
    const filledMore = changed.filter(({ row, order }) =>
      Number(order.filled ?? 0) > Number(row.filled ?? 0)
    );
    const trades = filledMore.length > 0 ? await newTrades(symbol, filledMore) : [];
    for (const { row, order } of changed) {
      const own = trades.filter((t) => String(t.order) === String(order.id));
      const recorded = await record(order, own);
      out.push(outcomeOf(row, "recorded", recorded.order?.status ?? order.status));
    }
    return out;
  }

  /** The fills of these orders: one paged read of the symbol's trades, or one per order. */
  async function newTrades(
    symbol: string,
    orders: { row: OrderRow; order: CcxtOrder }[],
  ): Promise<CcxtOrder[]> {
    const since = Math.min(...orders.map(({ row }) => Date.parse(row.updated_at))) -
      TRADES_MARGIN_MS;
    if (ctx.deps.now() - since > TRADES_WINDOW_MS) {
      const all: CcxtOrder[] = [];
      for (const { order } of orders) {
        all.push(
          ...await call(
            5,
            () => exchange.fetchMyTrades(symbol, undefined, undefined, { orderId: order.id }),
          ),
        );
      }
      return all;
    }
    const all: CcxtOrder[] = [];
    let page = await call(20, () => exchange.fetchMyTrades(symbol, since, TRADES_PAGE));
    all.push(...page);
    while (page.length === TRADES_PAGE) {
      const fromId = (BigInt(String(page[page.length - 1].id)) + 1n).toString();
      page = await call(
        20,
        () => exchange.fetchMyTrades(symbol, undefined, TRADES_PAGE, { fromId }),
      );
      all.push(...page);
    }
    return all;
  }
}
