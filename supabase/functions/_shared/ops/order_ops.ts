/**
 * fetch-order and cancel-order: one order of the user's, by Binance id or client order id.
 * Both refresh the stored order, its fills and its position from Binance's answer.
 */
import { AppError } from "../errors.ts";
import type { AccountContext, OrderRow, PositionRow } from "../db.ts";
import { compare, DECIMAL_RE } from "../decimal.ts";
import type { Binance } from "../exchange/binance.ts";
import { defineOperation, type OperationContext } from "../operation.ts";
import {
  type CancelOrderInput,
  cancelOrderInput,
  type FetchOrderInput,
  fetchOrderInput,
} from "../schemas.ts";
import {
  amountStepOf,
  dbCall,
  marketOf,
  orderForDb,
  orderRowView,
  positionView,
  readExchange,
  targetOf,
  tradesOf,
} from "./common.ts";
import { accountExchange, withKnownKey } from "./accounts.ts";

// deno-lint-ignore no-explicit-any
type CcxtOrder = Record<string, any>;

interface Located {
  ctx: AccountContext;
  stored: OrderRow | null;
  /** The stored order's position (find_order), for answers that need no recording. */
  position: PositionRow | null;
  exchange: Binance;
  /** ccxt arguments naming the order on Binance. */
  id: string;
  params: Record<string, string>;
}

async function locate(
  ctx: OperationContext,
  input: FetchOrderInput | CancelOrderInput,
  weight: number,
): Promise<Located> {
  // Cancels and order lookups are priority calls: they may use the budget's headroom.
  const label = input.account ?? null;
  const found = await dbCall(
    ctx,
    () =>
      withKnownKey(ctx, label, (knownKey) =>
        ctx.deps.db.findOrder(
          ctx.userId as string,
          label,
          input.id ?? null,
          input.client_order_id ?? null,
          { weight, priority: true },
          knownKey,
        )),
  );
  const stored = found.order;
  if (stored && stored.symbol !== input.symbol) {
    throw new AppError("ORDER_NOT_FOUND", `No ${input.symbol} order with this id`);
  }
  const exchange = await accountExchange(ctx, found, { priority: true });
  const exchangeId = input.id ?? stored?.exchange_order_id ?? undefined;
  const clientId = input.client_order_id ?? stored?.client_order_id ?? undefined;
  return {
    ctx: found,
    stored,
    position: found.position ?? null,
    exchange,
    id: exchangeId ?? "",
    params: exchangeId === undefined && clientId ? { origClientOrderId: clientId } : {},
  };
}

/** Stores Binance's view of an order with any fills not seen yet; returns the caller's view. */
export async function recordFromExchange(
  ctx: OperationContext,
  account: AccountContext,
  exchange: Binance,
  order: CcxtOrder,
  stored: OrderRow | null,
) {
  const market = await marketOf(ctx, account.account.environment, order.symbol);
  const trades = await tradesOf(ctx, targetOf(account), exchange, order, stored?.filled ?? null);
  const recorded = await dbCall(
    ctx,
    () =>
      ctx.deps.db.recordOrder(account.account.id, orderForDb(order), trades, amountStepOf(market)),
  );
  return {
    order: recorded.order ? orderRowView(recorded.order) : null,
    position: positionView(recorded.position),
  };
}

const FINAL = new Set(["closed", "canceled", "expired", "rejected"]);

/**
 * Whether Binance's answer tells nothing the stored order does not: the stored order is final
 * (record_order keeps a final status), it is the same order, and Binance reports the same
 * status and the same executed quantity (rest-api.md "Query order": `status`, `executedQty`),
 * so there is no fill to record and no state to change. Compared as exact decimals, from
 * Binance's own string.
 */
export function finalAndUnchanged(stored: OrderRow | null, order: CcxtOrder): stored is OrderRow {
  if (!stored || !FINAL.has(stored.status) || stored.filled === null) return false;
  if (stored.exchange_order_id === null || String(order.id) !== stored.exchange_order_id) {
    return false;
  }
  if (order.status !== stored.status) return false;
  const executed = order.info?.executedQty;
  // Small integers arrive from Postgres as numbers (db.ts, parseExactJson): 1, not "1".
  const filled = String(stored.filled);
  if (typeof executed !== "string" || !DECIMAL_RE.test(executed) || !DECIMAL_RE.test(filled)) {
    return false;
  }
  return compare(executed, filled) === 0;
}

export const fetchOrder = defineOperation({
  name: "fetch-order",
  input: { GET: fetchOrderInput, POST: fetchOrderInput },
  async run(input: FetchOrderInput, ctx) {
    await marketOf(ctx, "live", input.symbol);
    // rest-api.md "Query order": weight 4.
    const at = await locate(ctx, input, 4);
    const order = await readExchange(
      ctx,
      targetOf(at.ctx),
      at.exchange,
      () => at.exchange.fetchOrder(at.id, input.symbol, at.params),
    );
    // A finished order looked up again (the common case once it filled): answered from the
    // stored row, without a second round trip that would write nothing.
    if (finalAndUnchanged(at.stored, order)) {
      return { order: orderRowView(at.stored), position: positionView(at.position) };
    }
    return await recordFromExchange(ctx, at.ctx, at.exchange, order, at.stored);
  },
});

export const cancelOrder = defineOperation({
  name: "cancel-order",
  input: { POST: cancelOrderInput, DELETE: cancelOrderInput },
  async run(input: CancelOrderInput, ctx) {
    await marketOf(ctx, "live", input.symbol);
    // rest-api.md "Cancel order": weight 1.
    const at = await locate(ctx, input, 1);
    const target = targetOf(at.ctx);
    let order: CcxtOrder;
    try {
      // Cancelling is idempotent on Binance's side (a second cancel is -2011), so it takes
      // the read retry policy.
      order = await readExchange(
        ctx,
        target,
        at.exchange,
        () => at.exchange.cancelOrder(at.id, input.symbol, at.params),
        "cancel",
      );
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "ORDER_NOT_FOUND") throw err;
      // -2011: not open any more (or never existed). Report what Binance has.
      const current = await readExchange(
        ctx,
        target,
        at.exchange,
        () => at.exchange.fetchOrder(at.id, input.symbol, at.params),
      );
      const result = await recordFromExchange(ctx, at.ctx, at.exchange, current, at.stored);
      if (current.status === "canceled") return result;
      throw new AppError("INVALID_ORDER", `Order is ${current.status}; it cannot be canceled`, {
        details: { status: current.status },
      });
    }
    return await recordFromExchange(ctx, at.ctx, at.exchange, order, at.stored);
  },
});
