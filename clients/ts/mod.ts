/**
 * Typed client for the trading functions over a caller's own SupabaseClient
 * (`supabase.functions.invoke`). Browser, Deno and Node: it imports types only, so a bundle
 * pulls in nothing but what the caller already has.
 *
 *   const t = trading(supabase);
 *   const { order, position } = await t.createOrder(
 *     { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" },
 *     { idempotencyKey: crypto.randomUUID() },
 *   );
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import type { z } from "zod";
import type * as req from "../../supabase/functions/_shared/schemas.ts";
import type * as res from "../../supabase/functions/_shared/responses.ts";

type In<S extends z.ZodType> = z.input<S>;
type Out<K extends keyof typeof res.responses> = z.infer<(typeof res.responses)[K]>;

/** A service caller names the user it acts for; a user's own session never needs to. */
type AsUser<T> = T & { user_id?: string };

export type ErrorCode = res.ErrorBody["error"]["code"];

/** An error answered by a function, typed: what to do next follows from `code`. */
export class TradingError extends Error {
  constructor(
    readonly code: ErrorCode | "NETWORK",
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    readonly requestId?: string,
    readonly field?: string,
    /** Seconds to wait before retrying (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "TradingError";
  }
}

async function toTradingError(error: unknown): Promise<TradingError> {
  const context = (error as { context?: unknown })?.context;
  if (context instanceof Response) {
    let body: Partial<res.ErrorBody> | undefined;
    try {
      body = await context.clone().json();
    } catch {
      // Not our JSON (a proxy's page): keep the status.
    }
    const e = body?.error;
    const retryAfterHeader = Number(context.headers.get("retry-after"));
    return new TradingError(
      (e?.code ?? "INTERNAL") as ErrorCode,
      e?.message ?? `HTTP ${context.status}`,
      context.status,
      e?.retryable ?? context.status >= 500,
      e?.request_id ?? context.headers.get("x-request-id") ?? undefined,
      e?.field,
      e?.retry_after ?? (retryAfterHeader > 0 ? retryAfterHeader : undefined),
    );
  }
  return new TradingError(
    "NETWORK",
    error instanceof Error ? error.message : String(error),
    0,
    true,
  );
}

export interface CallOptions {
  /** create-order only: the same key makes a retry return the same order. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export function trading(supabase: SupabaseClient) {
  async function invoke<K extends keyof typeof res.responses>(
    name: K,
    body: unknown,
    opts: CallOptions & { method?: "POST" | "GET" | "DELETE" } = {},
  ): Promise<Out<K>> {
    const { data, error } = await supabase.functions.invoke(
      name,
      {
        method: opts.method ?? "POST",
        body: opts.method === "GET" ? undefined : (body as Record<string, unknown>),
        headers: opts.idempotencyKey ? { "Idempotency-Key": opts.idempotencyKey } : undefined,
        signal: opts.signal,
      } as Parameters<typeof supabase.functions.invoke>[1],
    );
    if (error) throw await toTradingError(error);
    return data as Out<K>;
  }

  return {
    createOrder: (input: AsUser<In<typeof req.createOrderInput>>, opts?: CallOptions) =>
      invoke("create-order", input, opts),
    cancelOrder: (input: AsUser<In<typeof req.cancelOrderInput>>, opts?: CallOptions) =>
      invoke("cancel-order", input, opts),
    fetchOrder: (input: AsUser<In<typeof req.fetchOrderInput>>, opts?: CallOptions) =>
      invoke("fetch-order", input, opts),
    fetchOpenOrders: (
      input: AsUser<In<typeof req.fetchOpenOrdersInput>> = {},
      opts?: CallOptions,
    ) => invoke("fetch-open-orders", input, opts),
    fetchTicker: (input: AsUser<In<typeof req.fetchTickerInput>>, opts?: CallOptions) =>
      invoke("fetch-ticker", input, opts),
    fetchBalance: (input: AsUser<In<typeof req.fetchBalanceInput>> = {}, opts?: CallOptions) =>
      invoke("fetch-balance", input, opts),
    fetchMyTrades: (input: AsUser<In<typeof req.fetchMyTradesInput>>, opts?: CallOptions) =>
      invoke("fetch-my-trades", input, opts),
    fetchMarkets: (input: In<typeof req.fetchMarketsInput> = {}, opts?: CallOptions) =>
      invoke("fetch-markets", input, opts),
    saveKeys: (input: AsUser<In<typeof req.saveKeysInput>>, opts?: CallOptions) =>
      invoke("exchange-keys", input, opts) as Promise<
        { account: z.infer<typeof res.accountMetadata> }
      >,
    keyStatus: (opts?: CallOptions) =>
      invoke("exchange-keys", undefined, { ...opts, method: "GET" }) as Promise<
        { accounts: z.infer<typeof res.accountMetadata>[] }
      >,
    removeKeys: (input: AsUser<In<typeof req.removeKeysInput>> = {}, opts?: CallOptions) =>
      invoke("exchange-keys", input, { ...opts, method: "DELETE" }) as Promise<
        { removed: z.infer<typeof res.accountMetadata> }
      >,
    syncOrders: (input: AsUser<In<typeof req.syncOrdersInput>> = {}, opts?: CallOptions) =>
      invoke("sync-orders", input, opts),
  };
}

export type Trading = ReturnType<typeof trading>;
export type {
  OrderResult,
  OrderView,
  PositionView,
} from "../../supabase/functions/_shared/responses.ts";
