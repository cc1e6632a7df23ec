/**
 * create-order: market (by amount, or by quote cost for buys) and limit orders.
 *
 * Warm path: one SQL round trip (record `pending` + credentials), one Binance request, one
 * SQL round trip (order, fills, position). Orders are never resent blindly: after an
 * ambiguous failure the order is looked up by its client order id, and a retry with the same
 * idempotency key places it only when Binance does not have it (DESIGN.md).
 */
import { AppError, isErrorCode } from "../errors.ts";
import type { BeginOrderResult } from "../db.ts";
import type { Binance, BinanceEnvironment } from "../exchange/binance.ts";
import { classifyFailure } from "../exchange/outcome.ts";
import { checkOrderAgainstMarket } from "../market_rules.ts";
import { defineOperation, type OperationContext } from "../operation.ts";
import { CLIENT_ORDER_ID_RE, type CreateOrderInput, createOrderInput } from "../schemas.ts";
import {
  amountStepOf,
  applyFailure,
  assertNoBackoff,
  dbCall,
  exchangeCall,
  type ExchangeTarget,
  marketOf,
  noteUsedWeight,
  orderForDb,
  orderRowView,
  positionView,
  readExchange,
  tradesOf,
} from "./common.ts";
import { exchangeOf, withKnownKey } from "./accounts.ts";

// deno-lint-ignore no-explicit-any
type CcxtOrder = Record<string, any>;

/** The environment whose markets validate a request before its account is known. */
const DEFAULT_ENVIRONMENT: BinanceEnvironment = "live";

/**
 * The client order id of a request: given, or derived from the Idempotency-Key header
 * (used as is when Binance accepts it, else hashed), or generated.
 */
export async function clientOrderIdFor(
  input: CreateOrderInput,
  idempotencyKey: string | null,
): Promise<string> {
  let fromKey: string | undefined;
  if (idempotencyKey !== null) {
    const key = idempotencyKey.trim();
    if (key.length === 0 || key.length > 255) {
      throw new AppError("VALIDATION_ERROR", "Idempotency-Key must be 1-255 characters", {
        field: "Idempotency-Key",
      });
    }
    if (CLIENT_ORDER_ID_RE.test(key)) {
      fromKey = key;
    } else {
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
      );
      fromKey = "ik-" + [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0"))
        .join("");
    }
  }
  if (input.client_order_id !== undefined && fromKey !== undefined) {
    if (input.client_order_id !== fromKey) {
      throw new AppError(
        "VALIDATION_ERROR",
        "client_order_id and the Idempotency-Key header name different orders",
        { field: "client_order_id" },
      );
    }
  }
  return input.client_order_id ?? fromKey ?? crypto.randomUUID();
}

/** What is stored with the order to recognise a replay of the same request. */
function requestOf(input: CreateOrderInput): Record<string, unknown> {
  const out: Record<string, unknown> = {
    symbol: input.symbol,
    side: input.side,
    type: input.type,
  };
  for (const key of ["amount", "cost", "price", "time_in_force", "position_id"] as const) {
    if (input[key] !== undefined) out[key] = input[key];
  }
  return out;
}

async function send(
  ctx: OperationContext,
  exchange: Binance,
  input: CreateOrderInput,
  clientOrderId: string,
): Promise<CcxtOrder> {
  const params: Record<string, unknown> = {
    newClientOrderId: clientOrderId,
    newOrderRespType: "FULL",
  };
  if (input.cost !== undefined) {
    return await exchangeCall(
      ctx,
      () =>
        exchange.createOrder(input.symbol, "market", "buy", Number(input.cost), undefined, {
          ...params,
          quoteOrderQty: input.cost,
        }),
    );
  }
  if (input.type === "limit") {
    params.timeInForce = input.time_in_force ?? "GTC";
  }
  return await exchangeCall(ctx, () =>
    exchange.createOrder(
      input.symbol,
      input.type,
      input.side,
      Number(input.amount),
      input.price !== undefined ? Number(input.price) : undefined,
      params,
    ));
}

/** Looks an order up by client order id; undefined when Binance does not have it. */
async function lookup(
  ctx: OperationContext,
  target: ExchangeTarget,
  exchange: Binance,
  symbol: string,
  clientOrderId: string,
): Promise<CcxtOrder | undefined> {
  try {
    return await readExchange(
      ctx,
      target,
      exchange,
      () =>
        exchange.fetchOrder(undefined as unknown as string, symbol, {
          origClientOrderId: clientOrderId,
        }),
    );
  } catch (err) {
    if (err instanceof AppError && err.code === "ORDER_NOT_FOUND") return undefined;
    throw err;
  }
}

function storedError(begun: BeginOrderResult): AppError | undefined {
  const e = begun.order.error as { code?: unknown; message?: unknown } | null;
  if (begun.order.status !== "rejected" || !e || !isErrorCode(e.code)) return undefined;
  return new AppError(e.code, String(e.message ?? e.code), { retryable: false });
}

export const createOrder = defineOperation({
  name: "create-order",
  input: { POST: createOrderInput },
  async run(input: CreateOrderInput, ctx) {
    const { deps } = ctx;
    const userId = ctx.userId as string;
    const clientOrderId = await clientOrderIdFor(input, ctx.headers.get("idempotency-key"));

    // Validate against the market before anything is written or sent.
    let market = await marketOf(ctx, DEFAULT_ENVIRONMENT, input.symbol);
    checkOrderAgainstMarket(input, market);

    const label = input.account ?? null;
    const begun = await dbCall(ctx, () =>
      withKnownKey(ctx, label, (knownKey) =>
        deps.db.beginOrder(
          userId,
          label,
          clientOrderId,
          requestOf(input),
          deps.config.submitLeaseSeconds,
          knownKey,
        )));
    const accountId = begun.account.id;
    const environment = begun.account.environment;
    /** Forget the row when the order certainly never reached Binance. */
    const release = () =>
      begun.created
        ? dbCall(ctx, () => deps.db.releaseOrder(accountId, clientOrderId)).catch(() => {})
        : Promise.resolve();

    if (!begun.created) {
      ctx.responseHeaders.set("idempotent-replayed", "true");
      if (!begun.matches) {
        throw new AppError(
          "IDEMPOTENCY_CONFLICT",
          "This idempotency key was already used for a different order",
          { field: "client_order_id", retryable: false },
        );
      }
      const rejected = storedError(begun);
      if (rejected) throw rejected;
      if (begun.order.status !== "pending") {
        return { order: orderRowView(begun.order), position: positionView(begun.position) };
      }
      if (!begun.claimed) {
        throw new AppError(
          "IDEMPOTENCY_CONFLICT",
          "An order with this idempotency key is being placed; retry shortly with the same key",
          { retryable: true, retryAfter: 1 },
        );
      }
    }

    const target: ExchangeTarget = { environment, accountId };
    let exchange: Binance;
    try {
      assertNoBackoff(ctx, environment, {
        sharedUntil: begun.backoff_until,
        accountId,
        accountUntil: begun.account_backoff_until,
      });
      if (environment !== DEFAULT_ENVIRONMENT && deps.config.binanceApiUrl === undefined) {
        market = await marketOf(ctx, environment, input.symbol);
        checkOrderAgainstMarket(input, market);
      }
      exchange = await exchangeOf(ctx, begun);
    } catch (err) {
      await release();
      throw err;
    }

    /** The request is answering while the order stays pending: a retry may proceed at once. */
    const endLease = () =>
      dbCall(ctx, () => deps.db.endOrderLease(accountId, clientOrderId)).catch(() => {});

    // A pending row of ours from an earlier request: that attempt may have reached Binance.
    let placed: CcxtOrder | undefined;
    if (!begun.created) {
      try {
        placed = await lookup(ctx, target, exchange, input.symbol, clientOrderId);
      } catch (err) {
        await endLease();
        throw err;
      }
    }

    if (!placed) {
      let resynced = false;
      for (;;) {
        const started = exchange.requestsStarted;
        try {
          placed = await send(ctx, exchange, input, clientOrderId);
          noteUsedWeight(environment, exchange, deps.now());
          break;
        } catch (err) {
          // Classified by Binance's HTTP status and code (outcome.ts), never by ccxt's class.
          const failure = classifyFailure(err, "order", {
            started: exchange.requestsStarted !== started,
            now: deps.now(),
          });
          if (failure.class === "clock_skew" && !resynced) {
            // -1021: refused without executing; resync once, resend under the same id.
            resynced = true;
            await exchangeCall(ctx, () => exchange.loadTimeDifference()).catch(() => {});
            continue;
          }
          if (failure.class === "ambiguous" || failure.class === "not_found") {
            // Execution status unknown: the order may exist. Look before anything else.
            placed = await lookup(ctx, target, exchange, input.symbol, clientOrderId)
              .catch(() => undefined);
            if (placed) break;
            // Left `pending`: a retry with the same key, or sync-orders, settles it.
            await endLease();
            throw failure.error;
          }
          // Every other class is a definite "not executed".
          await applyFailure(ctx, target, failure);
          if (failure.class === "refused" && failure.answer.sent) {
            const e = failure.error;
            await dbCall(ctx, () =>
              deps.db.rejectOrder(accountId, clientOrderId, {
                code: e.code,
                message: e.message,
                ...(e.details ?? {}),
              })).catch(() => {});
          } else {
            await release();
          }
          throw failure.error;
        }
      }
    }

    await deps.hooks.afterExchange?.("create-order");
    const order = placed as CcxtOrder;
    let trades: CcxtOrder[] = [];
    try {
      trades = await tradesOf(ctx, target, exchange, order, null);
    } catch {
      // The fills will be read again by fetch-order or sync-orders.
    }
    try {
      const recorded = await dbCall(
        ctx,
        () => deps.db.recordOrder(accountId, orderForDb(order), trades, amountStepOf(market)),
      );
      return {
        order: recorded.order ? orderRowView(recorded.order) : null,
        position: positionView(recorded.position),
      };
    } catch (err) {
      await endLease();
      throw new AppError(
        "INTERNAL",
        "The order was placed but could not be recorded yet; it will be settled by sync-orders. " +
          "Retry with the same idempotency key to read it.",
        { retryable: true, cause: err, details: { client_order_id: clientOrderId } },
      );
    }
  },
});
