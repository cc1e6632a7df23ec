/**
 * sync-orders: settles what a crash, a timeout, a lost answer or a missed stream event left
 * behind: every `pending` order older than the minimum age and every `open` order. Accounts
 * are settled concurrently (`SYNC_CONCURRENCY`), each at a request weight that grows with what
 * changed, not with its open orders (sync_account.ts), and the whole run stays within
 * `SYNC_WEIGHT_PER_RUN`: what does not fit is left for the next run (`deferred`). A refused
 * key or a limit stops that account only; every other account is still settled.
 */
import { AppError } from "../errors.ts";
import type { SyncBatch } from "../db.ts";
import { defineOperation } from "../operation.ts";
import { type SyncOrdersInput, syncOrdersInput } from "../schemas.ts";
import { dbCall } from "./common.ts";
import { type Outcome, syncAccount, WeightBudget } from "./sync_account.ts";

/** Runs `f` over `items`, at most `limit` at a time, keeping the order of the results. */
async function mapLimited<T, R>(items: T[], limit: number, f: (x: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
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
    const { config } = ctx.deps;
    const minAge = Math.max(input.min_age_seconds ?? config.syncMinAgeSeconds, 0);
    const batches: SyncBatch[] = await dbCall(
      ctx,
      () => ctx.deps.db.ordersToSync(ctx.userId, minAge, input.limit ?? 1000),
    );
    const budget = new WeightBudget(config.syncWeightPerRun);
    const perAccount = await mapLimited(
      batches,
      config.syncConcurrency,
      (batch) => syncAccount(ctx, batch, budget),
    );
    const outcomes: Outcome[] = perAccount.flat();
    // Checked orders go to the back of the line; deferred and failed ones keep their turn.
    const checked = outcomes.filter((o) => o.result !== "deferred" && o.result !== "failed");
    if (checked.length > 0) {
      await dbCall(ctx, () => ctx.deps.db.markSynced(checked.map((o) => o.row_id)))
        .catch((e) => ctx.deps.log.warn("sync_mark_failed", { error: String(e).slice(0, 200) }));
    }
    const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
    // A 200 with failures inside must not log as "ok".
    if (count("failed") > 0) ctx.outcome = "partial_failure";
    return {
      checked: outcomes.length,
      recorded: count("recorded"),
      unchanged: count("unchanged"),
      not_received: count("not_received"),
      failed: count("failed"),
      deferred: count("deferred"),
      accounts: batches.length,
      weight: budget.used,
      orders: outcomes.map(({ row_id: _, ...o }) => o),
    };
  },
});
