/**
 * exchange-keys: save or rotate (POST), read the status (GET) and remove (DELETE) a user's
 * Binance API key. A key is checked against Binance before it is stored: it must be able to
 * read and to trade spot, and it must NOT be able to withdraw (a leaked trading key can then
 * lose money to bad trades, never be emptied). The secret goes to Vault and never comes back.
 */
import { AppError } from "../errors.ts";
import type { BinanceEnvironment } from "../exchange/binance.ts";
import { classifyFailure } from "../exchange/outcome.ts";
import { defineOperation } from "../operation.ts";
import {
  keysStatusInput,
  type RemoveKeysInput,
  removeKeysInput,
  type SaveKeysInput,
  saveKeysInput,
} from "../schemas.ts";
import { assertNoBackoff, dbCall, readExchange } from "./common.ts";

export const DEFAULT_LABEL = "default";

export interface KeyPermissions {
  enableReading: boolean;
  enableSpotAndMarginTrading: boolean;
  enableWithdrawals: boolean;
  ipRestrict: boolean | null;
  source: "apiRestrictions" | "account";
}

type Input = SaveKeysInput | RemoveKeysInput | Record<string, never>;

export const exchangeKeys = defineOperation<Input, unknown>({
  name: "exchange-keys",
  input: { GET: keysStatusInput, POST: saveKeysInput, DELETE: removeKeysInput },
  async run(input, ctx) {
    const userId = ctx.userId as string;
    const { db } = ctx.deps;
    if (ctx.method === "GET") {
      return { accounts: await dbCall(ctx, () => db.listExchangeAccounts(userId)) };
    }
    if (ctx.method === "DELETE") {
      const label = (input as RemoveKeysInput).label ?? DEFAULT_LABEL;
      const removed = await dbCall(ctx, () => db.deleteExchangeAccount(userId, label));
      if (!removed) {
        throw new AppError("CREDENTIALS_MISSING", `No exchange account labelled ${label}`, {
          field: "label",
        });
      }
      return { removed };
    }

    const save = input as SaveKeysInput;
    const environment: BinanceEnvironment = save.environment ?? "live";
    const label = save.label ?? DEFAULT_LABEL;
    // Before Binance sees the key: nobody may probe or save a key another account holds, and
    // a user's accounts are capped. The check costs the user's budget a key check's weight.
    await dbCall(ctx, () => db.checkKeyAvailable(userId, label, save.api_key));
    const state = await dbCall(ctx, () => db.reserveWeight(userId, environment, 20));
    assertNoBackoff(ctx, environment, { sharedUntil: state.backoff_until });
    const exchange = await ctx.deps.exchanges.forCredentials(environment, {
      apiKey: save.api_key,
      secret: save.secret,
    }).catch((err) => {
      throw classifyFailure(err, "read").error;
    });
    let permissions: KeyPermissions;
    // Binance's spot testnet has no /sapi: there the account endpoint tells what the key can do.
    const hasSapi = environment === "live" || ctx.deps.config.binanceApiUrl !== undefined;
    try {
      if (hasSapi) {
        const r = await readExchange(
          ctx,
          { environment },
          exchange,
          () => exchange.sapiGetAccountApiRestrictions(),
        ) as Record<string, unknown>;
        permissions = {
          enableReading: r.enableReading === true,
          enableSpotAndMarginTrading: r.enableSpotAndMarginTrading === true,
          enableWithdrawals: r.enableWithdrawals === true,
          ipRestrict: typeof r.ipRestrict === "boolean" ? r.ipRestrict : null,
          source: "apiRestrictions",
        };
      } else {
        const r = await readExchange(
          ctx,
          { environment },
          exchange,
          () => exchange.privateGetAccount(),
        ) as Record<string, unknown>;
        permissions = {
          enableReading: true,
          enableSpotAndMarginTrading: r.canTrade === true,
          enableWithdrawals: r.canWithdraw === true,
          ipRestrict: null,
          source: "account",
        };
      }
    } catch (err) {
      if (err instanceof AppError && err.code === "EXCHANGE_AUTH_FAILED") {
        throw new AppError("EXCHANGE_AUTH_FAILED", "Binance rejected this API key or secret", {
          field: "api_key",
          details: err.details,
        });
      }
      throw err;
    }
    if (permissions.enableWithdrawals) {
      throw new AppError(
        "VALIDATION_ERROR",
        "api_key: this key can withdraw funds; create a key without withdrawal permission",
        { field: "api_key", details: { permissions } },
      );
    }
    if (!permissions.enableReading || !permissions.enableSpotAndMarginTrading) {
      throw new AppError(
        "VALIDATION_ERROR",
        "api_key: this key must be allowed to read and to trade spot",
        { field: "api_key", details: { permissions } },
      );
    }
    const account = await dbCall(ctx, () =>
      db.saveExchangeAccount({
        userId,
        label,
        environment,
        apiKey: save.api_key,
        secret: save.secret,
        permissions: { ...permissions },
      }));
    return { account };
  },
});
