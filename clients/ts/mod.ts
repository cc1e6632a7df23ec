/**
 * Typed client for the trading functions over a caller's own Supabase client
 * (`supabase.functions.invoke`). Browser, Deno and Node; no dependencies: any object with
 * supabase-js's `functions.invoke` will do, so a bundle gains only these few lines.
 *
 *   const api = trading(supabase);
 *   const key = newIdempotencyKey(); // keep it with the intent to trade, then send
 *   const { order, position } = await api.createOrder(
 *     { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" },
 *     { idempotencyKey: key },
 *   );
 */
import type * as T from "./types.ts";
import { CLIENT_ORDER_ID_PATTERN } from "./types.ts";

export * from "./types.ts";

/** The part of a SupabaseClient this client uses (`createClient(...)` fits it as is). */
export interface FunctionsInvoker {
  functions: {
    invoke(
      name: string,
      options?: {
        method?: "POST" | "GET" | "DELETE";
        body?: Record<string, unknown>;
        headers?: Record<string, string>;
        signal?: AbortSignal;
      },
    ): Promise<{ data: unknown; error: unknown }>;
  };
}

/** A service caller names the user it acts for; a user's own session never needs to. */
type AsUser<T> = T & { user_id?: string };

/** An error answered by a function, typed: what to do next follows from `code`. */
export class TradingError extends Error {
  constructor(
    readonly code: T.ErrorCode | "NETWORK",
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    readonly requestId?: string,
    readonly field?: string,
    /** Seconds to wait before retrying (429). */
    readonly retryAfter?: number,
    /**
     * create-order only: the key the order was sent with. After any error, retry with this
     * same key (never a new one): the functions then answer the order Binance has, or place
     * it once.
     */
    readonly idempotencyKey?: string,
  ) {
    super(message);
    this.name = "TradingError";
  }
}

/** A fresh idempotency key: 32 hex characters, matching Binance Spot's client order ids. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

async function toTradingError(error: unknown, idempotencyKey?: string): Promise<TradingError> {
  // supabase-js puts the HTTP response of a non-2xx answer in `error.context`.
  const context = (error as { context?: unknown })?.context;
  if (context instanceof Response) {
    let body: Partial<T.ErrorBody> | undefined;
    try {
      body = await context.clone().json();
    } catch {
      // Not our JSON (a proxy's page): keep the status.
    }
    const e = body?.error;
    const retryAfterHeader = Number(context.headers.get("retry-after"));
    return new TradingError(
      e?.code ?? "INTERNAL",
      e?.message ?? `HTTP ${context.status}`,
      context.status,
      e?.retryable ?? context.status >= 500,
      e?.request_id ?? context.headers.get("x-request-id") ?? undefined,
      e?.field,
      e?.retry_after ?? (retryAfterHeader > 0 ? retryAfterHeader : undefined),
      idempotencyKey,
    );
  }
  return new TradingError(
    "NETWORK",
    error instanceof Error ? error.message : String(error),
    0,
    true,
    undefined,
    undefined,
    undefined,
    idempotencyKey,
  );
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateOrderOptions extends CallOptions {
  /**
   * Required unless the input has `client_order_id`. Make it with newIdempotencyKey() (or
   * any 1-36 characters of A-Z a-z 0-9 - _) and keep it: a retry with the same key can never
   * place a second order.
   */
  idempotencyKey?: string;
}

interface Answers {
  "create-order": T.CreateOrderResult;
  "cancel-order": T.CancelOrderResult;
  "fetch-order": T.FetchOrderResult;
  "fetch-open-orders": T.FetchOpenOrdersResult;
  "fetch-ticker": T.FetchTickerResult;
  "fetch-balance": T.FetchBalanceResult;
  "fetch-my-trades": T.FetchMyTradesResult;
  "fetch-markets": T.FetchMarketsResult;
  "fetch-orders": T.FetchOrdersResult;
  "fetch-positions": T.FetchPositionsResult;
  "exchange-keys": T.ExchangeKeysResult;
  "sync-orders": T.SyncOrdersResult;
}

export function trading(supabase: FunctionsInvoker) {
  async function invoke<K extends keyof Answers>(
    name: K,
    body: object | undefined,
    opts: CallOptions & { method?: "POST" | "GET" | "DELETE"; idempotencyKey?: string } = {},
  ): Promise<Answers[K]> {
    let data: unknown;
    let error: unknown;
    try {
      ({ data, error } = await supabase.functions.invoke(name, {
        method: opts.method ?? "POST",
        body: opts.method === "GET" ? undefined : body as Record<string, unknown>,
        headers: opts.idempotencyKey ? { "Idempotency-Key": opts.idempotencyKey } : undefined,
        signal: opts.signal,
      }));
    } catch (e) {
      error = e;
    }
    if (error) throw await toTradingError(error, opts.idempotencyKey);
    return data as Answers[K];
  }

  return {
    /**
     * Places an order under an idempotency key (required). The answer carries the key; so
     * does every TradingError it throws (`idempotencyKey`).
     */
    async createOrder(
      input: AsUser<T.CreateOrderInput>,
      opts: CreateOrderOptions,
    ): Promise<T.CreateOrderResult & { idempotencyKey: string }> {
      const key = opts?.idempotencyKey ?? input.client_order_id;
      if (!key) {
        throw new TradingError(
          "VALIDATION_ERROR",
          "createOrder needs an idempotencyKey (newIdempotencyKey()) or a client_order_id",
          0,
          false,
          undefined,
          "Idempotency-Key",
        );
      }
      if (opts?.idempotencyKey && !CLIENT_ORDER_ID_PATTERN.test(opts.idempotencyKey)) {
        throw new TradingError(
          "VALIDATION_ERROR",
          "idempotencyKey must be 1-36 characters of A-Z a-z 0-9 - _",
          0,
          false,
          undefined,
          "Idempotency-Key",
        );
      }
      const result = await invoke("create-order", input, {
        ...opts,
        idempotencyKey: key,
      });
      return { ...result, idempotencyKey: key };
    },
    cancelOrder: (input: AsUser<T.CancelOrderInput>, opts?: CallOptions) =>
      invoke("cancel-order", input, opts),
    fetchOrder: (input: AsUser<T.FetchOrderInput>, opts?: CallOptions) =>
      invoke("fetch-order", input, opts),
    fetchOpenOrders: (input: AsUser<T.FetchOpenOrdersInput> = {}, opts?: CallOptions) =>
      invoke("fetch-open-orders", input, opts),
    fetchTicker: (input: AsUser<T.FetchTickerInput>, opts?: CallOptions) =>
      invoke("fetch-ticker", input, opts),
    fetchBalance: (input: AsUser<T.FetchBalanceInput> = {}, opts?: CallOptions) =>
      invoke("fetch-balance", input, opts),
    fetchMyTrades: (input: AsUser<T.FetchMyTradesInput>, opts?: CallOptions) =>
      invoke("fetch-my-trades", input, opts),
    fetchMarkets: (input: T.FetchMarketsInput = {}, opts?: CallOptions) =>
      invoke("fetch-markets", input, opts),
    /** The user's recorded orders, newest first; pass `next_cursor` back as `cursor`. */
    fetchOrders: (input: AsUser<T.FetchOrdersInput> = {}, opts?: CallOptions) =>
      invoke("fetch-orders", input, opts),
    /** Open positions (or `status: "closed" | "all"`), optionally with unrealized PnL. */
    fetchPositions: (input: AsUser<T.FetchPositionsInput> = {}, opts?: CallOptions) =>
      invoke("fetch-positions", input, opts),
    saveKeys: (input: AsUser<T.SaveKeysInput>, opts?: CallOptions) =>
      invoke("exchange-keys", input, opts) as Promise<{ account: T.AccountMetadata }>,
    keyStatus: (opts?: CallOptions) =>
      invoke("exchange-keys", undefined, { ...opts, method: "GET" }) as Promise<
        { accounts: T.AccountMetadata[] }
      >,
    removeKeys: (input: AsUser<T.RemoveKeysInput> = {}, opts?: CallOptions) =>
      invoke("exchange-keys", input, { ...opts, method: "DELETE" }) as Promise<
        { removed: T.AccountMetadata }
      >,
    syncOrders: (input: AsUser<T.SyncOrdersInput> = {}, opts?: CallOptions) =>
      invoke("sync-orders", input, opts),
  };
}

export type Trading = ReturnType<typeof trading>;
