/**
 * Pieces every operation shares: timing of database and exchange calls, the read retry
 * policy of DESIGN.md, the Binance back-off, and the views returned to callers.
 */
import { ccxt } from "../exchange/ccxt.ts";
import { AppError } from "../errors.ts";
import type { AccountContext, OrderRow, PositionRow } from "../db.ts";
import type { Binance, BinanceEnvironment } from "../exchange/binance.ts";
import { isRateLimit, translateExchangeError } from "../exchange/errors.ts";
import type { ExchangeMarket } from "../exchange/pool.ts";
import type { OperationContext } from "../operation.ts";
import { numberToDecimal } from "../decimal.ts";

export async function dbCall<T>(ctx: OperationContext, f: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await f();
  } finally {
    ctx.timings.dbMs += performance.now() - started;
  }
}

export async function exchangeCall<T>(ctx: OperationContext, f: () => Promise<T>): Promise<T> {
  const started = performance.now();
  ctx.timings.exchangeRequests++;
  try {
    return await f();
  } finally {
    ctx.timings.exchangeMs += performance.now() - started;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries of one read after its first attempt (DESIGN.md: up to 3). */
export const READ_RETRIES = 3;
const BASE_DELAY_MS = 100;

/**
 * Back-off deadlines seen by this isolate, per environment. Postgres holds the shared copy
 * (`trading.exchange_backoff`, returned with every account context); this one also covers
 * calls that read no account (fetch-ticker, fetch-markets).
 */
const localBackoff = new Map<string, number>();

/** Seconds Binance asked us to wait, from Retry-After or the ban's end in the message. */
export function retryAfterOf(exchange: Binance | undefined, err: unknown, now: number): number {
  const headers = (exchange?.last_response_headers ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === "retry-after" && Number(v) > 0) return Number(v);
  }
  const until = err instanceof Error ? err.message.match(/banned until (\d{13})/) : null;
  if (until) return Math.max(1, Math.ceil((Number(until[1]) - now) / 1000));
  return 30;
}

/** Throws RATE_LIMITED while a back-off recorded by any isolate is in force. */
export function assertNoBackoff(
  ctx: OperationContext,
  environment: string,
  sharedUntil: string | null | undefined,
) {
  const now = ctx.deps.now();
  const until = Math.max(
    sharedUntil ? Date.parse(sharedUntil) : 0,
    localBackoff.get(environment) ?? 0,
  );
  if (until > now) {
    throw new AppError("RATE_LIMITED", "Binance request limit reached; retry later", {
      retryAfter: Math.ceil((until - now) / 1000),
    });
  }
}

/** Records a 429/418 so that every isolate stops calling Binance until it passes. */
export async function recordBackoff(
  ctx: OperationContext,
  environment: string,
  seconds: number,
  err: unknown,
) {
  const until = ctx.deps.now() + seconds * 1000;
  localBackoff.set(environment, Math.max(until, localBackoff.get(environment) ?? 0));
  const reason = err instanceof ccxt.DDoSProtection ? "418/429 from Binance" : "rate limited";
  await dbCall(ctx, () => ctx.deps.db.setBackoff(environment, new Date(until), reason)).catch(
    (e) => ctx.deps.log.warn("backoff_not_recorded", { error: String(e).slice(0, 200) }),
  );
}

function retryableRead(err: unknown): boolean {
  return err instanceof ccxt.RequestTimeout ||
    (err instanceof ccxt.NetworkError && !isRateLimit(err) && !(err instanceof ccxt.InvalidNonce));
}

/**
 * A read (or another idempotent call) under DESIGN.md's retry policy: network errors,
 * timeouts and 5xx retried up to 3 times with exponential backoff and jitter inside one
 * deadline; Retry-After honoured within the deadline, else RATE_LIMITED; clock skew (-1021)
 * resynced once. Errors come out translated.
 */
export async function readExchange<T>(
  ctx: OperationContext,
  environment: BinanceEnvironment,
  exchange: Binance,
  f: () => Promise<T>,
): Promise<T> {
  const { now } = ctx.deps;
  const deadline = now() + ctx.deps.config.readDeadlineMs;
  let retries = 0;
  let resynced = false;
  for (;;) {
    try {
      return await exchangeCall(ctx, f);
    } catch (err) {
      if (err instanceof ccxt.InvalidNonce && !resynced) {
        resynced = true;
        await exchangeCall(ctx, () => exchange.loadTimeDifference()).catch(() => {});
        continue;
      }
      if (isRateLimit(err)) {
        const seconds = retryAfterOf(exchange, err, now());
        await recordBackoff(ctx, environment, seconds, err);
        throw translateExchangeError(err, seconds);
      }
      if (retryableRead(err) && retries < READ_RETRIES) {
        const delay = BASE_DELAY_MS * 2 ** retries * (0.5 + Math.random());
        if (now() + delay < deadline) {
          retries++;
          await sleep(delay);
          continue;
        }
      }
      throw translateExchangeError(err);
    }
  }
}

/** The market of a symbol on the account's endpoint; BAD_SYMBOL when it is not listed. */
export async function marketOf(
  ctx: OperationContext,
  environment: BinanceEnvironment,
  symbol: string,
): Promise<ExchangeMarket> {
  const market = await ctx.deps.exchanges.market(environment, symbol).catch((err) => {
    throw translateExchangeError(err);
  });
  if (!market || market.spot === false) {
    throw new AppError("BAD_SYMBOL", `${symbol} is not a spot market on Binance`, {
      field: "symbol",
    });
  }
  return market;
}

/** The account's ccxt instance, after the back-off check. */
export async function accountExchange(
  ctx: OperationContext,
  account: AccountContext,
): Promise<Binance> {
  assertNoBackoff(ctx, account.account.environment, account.backoff_until);
  return await ctx.deps.exchanges.forAccount(
    account.account.id,
    account.account.environment,
    { apiKey: account.credentials.api_key, secret: account.credentials.secret },
  ).catch((err) => {
    throw translateExchangeError(err);
  });
}

// ---------------------------------------------------------------------------------------
// Views: what callers get back. Money is a decimal string; times are ISO strings.

const dec = (v: unknown): string | null => {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null;
    return (v < 0 ? "-" : "") + numberToDecimal(Math.abs(v));
  }
  return String(v);
};

const iso = (ms: unknown): string | null =>
  typeof ms === "number" && Number.isFinite(ms) ? new Date(ms).toISOString() : null;

export interface OrderView {
  id: string | null;
  client_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  time_in_force: string | null;
  status: string;
  price: string | null;
  amount: string | null;
  quote_amount: string | null;
  filled: string | null;
  remaining: string | null;
  average: string | null;
  cost: string | null;
  fee: { cost: string | null; currency: string | null } | null;
  position_id: string | null;
  error: Record<string, unknown> | null;
  created_at: string | null;
  updated_at: string | null;
}

/** A stored order row as callers see it (`id` is Binance's order id). */
export function orderRowView(row: OrderRow): OrderView {
  return {
    id: row.exchange_order_id,
    client_order_id: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    time_in_force: row.time_in_force,
    status: row.status,
    price: dec(row.price),
    amount: dec(row.amount),
    quote_amount: dec(row.quote_amount),
    filled: dec(row.filled),
    remaining: dec(row.remaining),
    average: dec(row.average),
    cost: dec(row.cost),
    fee: row.fee_cost === null && row.fee_currency === null
      ? null
      : { cost: dec(row.fee_cost), currency: row.fee_currency },
    position_id: row.position_id,
    error: row.error,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface PositionView {
  id: string;
  symbol: string;
  status: string;
  quantity: string | null;
  entry_price: string | null;
  realized_pnl: string | null;
  fees_quote: string | null;
  fees_base: string | null;
  fees_other: Record<string, string>;
  opened_at: string | null;
  closed_at: string | null;
  updated_at: string | null;
}

/** A stored position as callers see it: amounts as decimal strings. */
export function positionView(row: PositionRow | null | undefined): PositionView | null {
  if (!row) return null;
  return {
    id: row.id,
    symbol: row.symbol,
    status: row.status,
    quantity: dec(row.quantity),
    entry_price: dec(row.entry_price),
    realized_pnl: dec(row.realized_pnl),
    fees_quote: dec(row.fees_quote),
    fees_base: dec(row.fees_base),
    fees_other: (row.fees_other ?? {}) as Record<string, string>,
    opened_at: (row.opened_at as string | null) ?? null,
    closed_at: (row.closed_at as string | null) ?? null,
    updated_at: (row.updated_at as string | null) ?? null,
  };
}

// deno-lint-ignore no-explicit-any
type CcxtOrder = Record<string, any>;

/** An order read from the exchange, in the same shape as a stored one. */
export function exchangeOrderView(o: CcxtOrder): OrderView {
  return {
    id: o.id ?? null,
    client_order_id: o.clientOrderId ?? null,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    time_in_force: o.timeInForce ?? null,
    status: o.status,
    price: dec(o.price),
    amount: dec(o.amount),
    quote_amount: null,
    filled: dec(o.filled),
    remaining: dec(o.remaining),
    average: dec(o.average),
    cost: dec(o.cost),
    fee: o.fee ? { cost: dec(o.fee.cost), currency: o.fee.currency ?? null } : null,
    position_id: null,
    error: null,
    created_at: iso(o.timestamp),
    updated_at: iso(o.lastUpdateTimestamp ?? o.lastTradeTimestamp ?? o.timestamp),
  };
}

// deno-lint-ignore no-explicit-any
export function tradeView(t: Record<string, any>) {
  return {
    id: t.id ?? null,
    order_id: t.order ?? null,
    symbol: t.symbol,
    side: t.side ?? null,
    price: dec(t.price),
    amount: dec(t.amount),
    cost: dec(t.cost),
    fee: t.fee ? { cost: dec(t.fee.cost), currency: t.fee.currency ?? null } : null,
    taker_or_maker: t.takerOrMaker ?? null,
    timestamp: iso(t.timestamp),
  };
}

/** The JSON sent to `trading.record_order`: the unified order without its parsed trades. */
export function orderForDb(o: CcxtOrder): CcxtOrder {
  const { trades: _trades, ...rest } = o;
  return rest;
}

/** The fills of an order: from its own answer when Binance sent them, else one read. */
export async function tradesOf(
  ctx: OperationContext,
  environment: BinanceEnvironment,
  exchange: Binance,
  order: CcxtOrder,
  alreadyFilled: string | null,
): Promise<CcxtOrder[]> {
  if (Array.isArray(order.trades) && order.trades.length > 0) return order.trades;
  const filled = Number(order.filled ?? 0);
  if (!(filled > 0) || (alreadyFilled !== null && Number(alreadyFilled) >= filled)) return [];
  return await readExchange(
    ctx,
    environment,
    exchange,
    () => exchange.fetchMyTrades(order.symbol, undefined, undefined, { orderId: order.id }),
  ) as CcxtOrder[];
}

/** The market's LOT_SIZE step: a position at or below it is dust and closes. */
export function amountStepOf(market: ExchangeMarket): string | null {
  const filters = (market.info?.filters ?? []) as Record<string, string>[];
  const lot = filters.find((f) => f.filterType === "LOT_SIZE");
  return lot?.stepSize ??
    (market.precision.amount !== undefined ? numberToDecimal(market.precision.amount) : null);
}
