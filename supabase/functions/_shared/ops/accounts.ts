/**
 * An account's ccxt instance for an operation: the account context read with the key version
 * this isolate holds (the database then leaves the secret out, migration 20261125000800), and
 * the instance built from the credentials or taken from the pool's cache.
 */
import { AppError } from "../errors.ts";
import type { AccountContext, Weight } from "../db.ts";
import type { Binance } from "../exchange/binance.ts";
import { classifyFailure } from "../exchange/outcome.ts";
import type { OperationContext } from "../operation.ts";
import { assertNoBackoff, dbCall } from "./common.ts";

/** The account's ccxt instance, after the back-off check. */
export async function accountExchange(
  ctx: OperationContext,
  account: AccountContext,
  opts: { priority?: boolean } = {},
): Promise<Binance> {
  assertNoBackoff(ctx, account.account.environment, {
    sharedUntil: account.backoff_until,
    priority: opts.priority,
  });
  return await exchangeOf(ctx, account).catch((err) => {
    throw err instanceof AppError ? err : classifyFailure(err, "read").error;
  });
}

/**
 * Reads an account context through `read`, passing the key version this isolate holds for
 * the account `label` named last (the database then leaves the secret out: migration 0800).
 */
export async function withKnownKey<T extends AccountContext>(
  ctx: OperationContext,
  label: string | null,
  read: (knownKey: string | undefined) => Promise<T>,
): Promise<T> {
  const userId = ctx.userId as string;
  const got = await read(ctx.deps.exchanges.knownKey(userId, label));
  ctx.deps.exchanges.noteOwner(userId, label, got.account.id);
  return got;
}

/** The account a request names (null: the user's default), taking `weight` from the budgets. */
export async function accountContextOf(
  ctx: OperationContext,
  label: string | null,
  weight: Weight,
): Promise<AccountContext> {
  return await dbCall(ctx, () =>
    withKnownKey(
      ctx,
      label,
      (knownKey) => ctx.deps.db.accountContext(ctx.userId as string, label, weight, knownKey),
    ));
}

/**
 * The account's instance: built from the credentials when the answer has them, else the
 * cached one of the same key version. If that was dropped from the cache meanwhile, the
 * credentials are asked for once more (no weight), and must belong to the same account.
 */
export async function exchangeOf(ctx: OperationContext, account: AccountContext): Promise<Binance> {
  const pool = ctx.deps.exchanges;
  const { id, environment } = account.account;
  let credentials = account.credentials;
  let version = account.key_version;
  if (!credentials) {
    const cached = pool.cachedAccount(id, version);
    if (cached) return cached;
    const userId = ctx.userId;
    const again = userId
      ? await dbCall(ctx, () => ctx.deps.db.accountContext(userId, account.account.label))
      : undefined;
    if (!again?.credentials || again.account.id !== id) {
      throw new AppError(
        "CREDENTIALS_MISSING",
        "The exchange account changed while the request ran; send it again",
      );
    }
    credentials = again.credentials;
    version = again.key_version;
  }
  return await pool.forAccount(
    id,
    environment,
    { apiKey: credentials.api_key, secret: credentials.secret },
    version,
  );
}
