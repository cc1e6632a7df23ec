/**
 * Pieces every operation shares: timing of database and exchange calls, the read retry
 * policy of DESIGN.md, the Binance back-off, and the views returned to callers.
 */
import { AppError } from "../errors.ts";
import type { AccountContext, OrderRow, PositionRow } from "../db.ts";
import type { Binance, BinanceEnvironment } from "../exchange/binance.ts";
import { classifyFailure, type Failure, type RequestKind } from "../exchange/outcome.ts";
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

/** Who a call to Binance is made for: key failures and order-rate limits are the account's. */
export interface ExchangeTarget {
  environment: BinanceEnvironment;
  accountId?: string;
}

/**
 * Back-off deadlines seen by this isolate: `env:<environment>` for IP-level limits (Postgres
 * holds the shared copy, `trading.exchange_backoff`) and `account:<id>` for one account's
 * order rate (`exchange_accounts.order_backoff_until`).
 */
const localBackoff = new Map<string, number>();

/**
 * The IP's request weight in Binance's current minute, from `X-MBX-USED-WEIGHT-1M` on every
 * answer (rest-api.md "IP Limits"): every isolate sees the IP-wide figure on its own answers.
 */
const ipWeight = new Map<string, { minute: number; used: number }>();

/** Records the IP's used weight from the last answer of an instance. */
export function noteUsedWeight(environment: string, exchange: Binance, now: number) {
  const headers = (exchange.last_response_headers ?? {}) as Record<string, string>;
  const raw = headers["X-Mbx-Used-Weight-1m"] ?? headers["x-mbx-used-weight-1m"];
  const used = Number(raw);
  if (raw === undefined || !Number.isFinite(used)) return;
  ipWeight.set(environment, { minute: Math.floor(now / 60_000), used });
}

export interface BackoffCheck {
  /** The environment's back-off from Postgres. */
  sharedUntil?: string | null;
  /** For a new order: the account whose order-rate back-off applies. */
  accountId?: string;
  accountUntil?: string | null;
  /** Cancels and order lookups go through while the IP is near its weight limit. */
  priority?: boolean;
}

function rateLimited(message: string, until: number, now: number): AppError {
  return new AppError("RATE_LIMITED", message, {
    retryAfter: Math.max(1, Math.ceil((until - now) / 1000)),
  });
}

/** Throws RATE_LIMITED while a back-off that covers this call is in force. */
export function assertNoBackoff(
  ctx: OperationContext,
  environment: string,
  check: BackoffCheck = {},
) {
  const now = ctx.deps.now();
  const envUntil = Math.max(
    check.sharedUntil ? Date.parse(check.sharedUntil) : 0,
    localBackoff.get(`env:${environment}`) ?? 0,
  );
  if (envUntil > now) {
    throw rateLimited("Binance request limit reached; retry later", envUntil, now);
  }
  if (check.accountId !== undefined) {
    const accountUntil = Math.max(
      check.accountUntil ? Date.parse(check.accountUntil) : 0,
      localBackoff.get(`account:${check.accountId}`) ?? 0,
    );
    if (accountUntil > now) {
      throw rateLimited(
        "Binance's order rate limit for this account is reached; retry later",
        accountUntil,
        now,
      );
    }
  }
  const ip = ipWeight.get(environment);
  const minute = Math.floor(now / 60_000);
  if (
    !check.priority && ip && ip.minute === minute && ip.used >= ctx.deps.config.ipWeightSoftLimit
  ) {
    throw rateLimited(
      "Binance's request weight for this minute is nearly used up; retry later",
      (minute + 1) * 60_000,
      now,
    );
  }
}

/** An IP-level limit: every isolate stops calling Binance for `seconds` (Postgres and here). */
export async function backOffEnvironment(
  ctx: OperationContext,
  environment: string,
  seconds: number,
  reason: string,
): Promise<void> {
  const until = ctx.deps.now() + seconds * 1000;
  const key = `env:${environment}`;
  localBackoff.set(key, Math.max(until, localBackoff.get(key) ?? 0));
  await dbCall(ctx, () => ctx.deps.db.setBackoff(environment, new Date(until), reason));
}

/**
 * What a classified failure does beyond the request: IP limits back off the environment (every
 * isolate, through Postgres), order-rate limits back off that account only, and a refused key
 * marks its account failed. Nothing here is shared by a tenant's failure that is not Binance's
 * limit on everybody.
 */
export async function applyFailure(
  ctx: OperationContext,
  target: ExchangeTarget,
  failure: Failure,
): Promise<void> {
  const now = ctx.deps.now();
  const log = (e: unknown) =>
    ctx.deps.log.warn("failure_not_recorded", {
      class: failure.class,
      error: String(e).slice(0, 200),
    });
  const code = failure.error.details?.exchange_code;
  if (failure.class === "ip_limit") {
    const reason = `${failure.answer.status ?? "?"} ${code ?? ""} from Binance`.trim();
    await backOffEnvironment(ctx, target.environment, failure.retryAfter ?? 30, reason)
      .catch(log);
  } else if (failure.class === "account_limit" && target.accountId !== undefined) {
    const until = now + (failure.retryAfter ?? 30) * 1000;
    const key = `account:${target.accountId}`;
    localBackoff.set(key, Math.max(until, localBackoff.get(key) ?? 0));
    const accountId = target.accountId;
    await dbCall(ctx, () => ctx.deps.db.setAccountBackoff(accountId, new Date(until))).catch(log);
  } else if (failure.class === "key_failure" && target.accountId !== undefined) {
    const accountId = target.accountId;
    ctx.deps.log.warn("exchange_key_refused", { account_id: accountId, exchange_code: code });
    await dbCall(ctx, () => ctx.deps.db.markKeyFailed(accountId, `${code ?? "?"} key refused`))
      .catch(log);
  }
}

/**
 * A read (or another idempotent call: a cancel) under DESIGN.md's retry policy: answers whose
 * execution status is unknown (5xx, timeouts, resets) retried up to 3 times with exponential
 * backoff and jitter inside one deadline; limits answer RATE_LIMITED at once and back off what
 * Binance limited; clock skew (-1021) resynced once. Errors come out classified (outcome.ts).
 */
export async function readExchange<T>(
  ctx: OperationContext,
  target: ExchangeTarget,
  exchange: Binance,
  f: () => Promise<T>,
  kind: RequestKind = "read",
): Promise<T> {
  const { now } = ctx.deps;
  const deadline = now() + ctx.deps.config.readDeadlineMs;
  let retries = 0;
  let resynced = false;
  for (;;) {
    try {
      const result = await exchangeCall(ctx, f);
      noteUsedWeight(target.environment, exchange, now());
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const failure = classifyFailure(err, kind, { now: now() });
      if (failure.class === "clock_skew" && !resynced) {
        resynced = true;
        await exchangeCall(ctx, () => exchange.loadTimeDifference()).catch(() => {});
        continue;
      }
      await applyFailure(ctx, target, failure);
      if (failure.class === "ambiguous" && retries < READ_RETRIES) {
        const delay = BASE_DELAY_MS * 2 ** retries * (0.5 + Math.random());
        if (now() + delay < deadline) {
          retries++;
          await sleep(delay);
          continue;
        }
      }
      throw failure.error;
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
    throw classifyFailure(err, "read").error;
  });
  if (!market || market.spot === false) {
    throw new AppError("BAD_SYMBOL", `${symbol} is not a spot market on Binance`, {
      field: "symbol",
    });
  }
  return market;
}

/** Where calls for an account go. */
export function targetOf(account: AccountContext): ExchangeTarget {
  return { environment: account.account.environment, accountId: account.account.id };
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
  target: ExchangeTarget,
  exchange: Binance,
  order: CcxtOrder,
  alreadyFilled: string | null,
): Promise<CcxtOrder[]> {
  if (Array.isArray(order.trades) && order.trades.length > 0) return order.trades;
  const filled = Number(order.filled ?? 0);
  if (!(filled > 0) || (alreadyFilled !== null && Number(alreadyFilled) >= filled)) return [];
  return await readExchange(
    ctx,
    target,
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
