/**
 * sync-orders: settles what a crash, a timeout or a lost answer left behind. For every
 * `pending` order older than the minimum age and every `open` order, Binance is asked by
 * client order id; what it has is recorded with its fills and position. A pending order
 * Binance does not have after that age was never received: its request carried a timestamp
 * that Binance's recvWindow (at most 60 s, 5 s by default) now refuses, so it can never
 * execute later and is marked `rejected`.
 */
import { AppError } from "../errors.ts";
import type { OrderRow, SyncBatch } from "../db.ts";
import { defineOperation, type OperationContext } from "../operation.ts";
import { type SyncOrdersInput, syncOrdersInput } from "../schemas.ts";
import { accountExchange, dbCall, readExchange, targetOf } from "./common.ts";
import { recordFromExchange } from "./order_ops.ts";

/** recvWindow's upper bound: a pending order older than this can no longer execute. */
export const MIN_SAFE_AGE_SECONDS = 60;

interface Outcome {
  client_order_id: string;
  status: string;
  result: "recorded" | "not_received" | "failed";
  error?: string;
}

async function settle(
  ctx: OperationContext,
  batch: SyncBatch,
  row: OrderRow,
  mayReject: boolean,
): Promise<Outcome> {
  const exchange = await accountExchange(ctx, batch, { priority: true });
  try {
    const order = await readExchange(ctx, targetOf(batch), exchange, () =>
      exchange.fetchOrder(
        row.exchange_order_id ?? (undefined as unknown as string),
        row.symbol,
        row.exchange_order_id ? {} : { origClientOrderId: row.client_order_id },
      ));
    const result = await recordFromExchange(ctx, batch, exchange, order, row);
    return {
      client_order_id: row.client_order_id,
      status: result.order?.status ?? order.status ?? "unknown",
      result: "recorded",
    };
  } catch (err) {
    if (
      err instanceof AppError && err.code === "ORDER_NOT_FOUND" && row.status === "pending" &&
      mayReject
    ) {
      await dbCall(ctx, () =>
        ctx.deps.db.rejectOrder(batch.account.id, row.client_order_id, {
          code: "NOT_RECEIVED",
          message: "Binance never received this order",
        }));
      return { client_order_id: row.client_order_id, status: "rejected", result: "not_received" };
    }
    return {
      client_order_id: row.client_order_id,
      status: row.status,
      result: "failed",
      error: err instanceof AppError ? err.code : "INTERNAL",
    };
  }
}

export const syncOrders = defineOperation({
  name: "sync-orders",
  input: { POST: syncOrdersInput, GET: syncOrdersInput },
  allowAllUsers: true,
  async run(input: SyncOrdersInput, ctx) {
    if (ctx.userId === null && input.all_users !== true) {
      throw new AppError("VALIDATION_ERROR", "name user_id, or set all_users for every user", {
        field: "user_id",
      });
    }
    const minAge = Math.max(
      input.min_age_seconds ?? ctx.deps.config.syncMinAgeSeconds,
      0,
    );
    const batches = await dbCall(
      ctx,
      () => ctx.deps.db.ordersToSync(ctx.userId, minAge, input.limit ?? 200),
    );
    const outcomes: Outcome[] = [];
    for (const batch of batches) {
      /** Set when this account's key was refused or its calls are limited: skip its rest. */
      let stopAccount: string | undefined;
      for (const row of batch.orders) {
        if (stopAccount !== undefined) {
          outcomes.push({
            client_order_id: row.client_order_id,
            status: row.status,
            result: "failed",
            error: stopAccount,
          });
          continue;
        }
        // Pending orders younger than recvWindow's bound might still be in flight: only an
        // exchange answer settles them, never their absence.
        const young = row.status === "pending" &&
          ctx.deps.now() - Date.parse(row.created_at) < MIN_SAFE_AGE_SECONDS * 1000;
        const outcome = await settle(ctx, batch, row, !young).catch((err) => ({
          client_order_id: row.client_order_id,
          status: row.status,
          result: "failed" as const,
          error: err instanceof AppError ? err.code : "INTERNAL",
        }));
        outcomes.push(outcome);
        // A refused key (now marked failed) or a limit stops this account only; every other
        // account is still settled. An IP-level limit stops everyone: the next calls would be
        // refused by the back-off anyway.
        if (outcome.error === "EXCHANGE_AUTH_FAILED" || outcome.error === "RATE_LIMITED") {
          stopAccount = outcome.error;
        }
      }
    }
    const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
    if (count("failed") > 0) ctx.outcome = "partial_failure";
    return {
      checked: outcomes.length,
      recorded: count("recorded"),
      not_received: count("not_received"),
      failed: count("failed"),
      orders: outcomes,
    };
  },
});
