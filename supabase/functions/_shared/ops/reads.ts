/**
 * Read operations: open orders, ticker, balance, the user's trades and the markets list.
 */
import { AppError } from "../errors.ts";
import { numberToDecimal } from "../decimal.ts";
import type { ExchangeMarket } from "../exchange/pool.ts";
import { classifyFailure } from "../exchange/outcome.ts";
import { defineOperation } from "../operation.ts";
import {
  type FetchBalanceInput,
  fetchBalanceInput,
  type FetchMarketsInput,
  fetchMarketsInput,
  type FetchMyTradesInput,
  fetchMyTradesInput,
  type FetchOpenOrdersInput,
  fetchOpenOrdersInput,
  type FetchTickerInput,
  fetchTickerInput,
} from "../schemas.ts";
import {
  amountStepOf,
  assertNoBackoff,
  dbCall,
  exchangeOrderView,
  marketOf,
  readExchange,
  targetOf,
  tradeView,
} from "./common.ts";
import { accountContextOf, accountExchange } from "./accounts.ts";

export const fetchOpenOrders = defineOperation({
  name: "fetch-open-orders",
  input: { GET: fetchOpenOrdersInput, POST: fetchOpenOrdersInput },
  async run(input: FetchOpenOrdersInput, ctx) {
    if (input.symbol) await marketOf(ctx, "live", input.symbol);
    // rest-api.md "Current open orders": weight 6 for one symbol, 80 for all.
    const weight = input.symbol ? 6 : 80;
    const account = await accountContextOf(ctx, input.account ?? null, { weight });
    const exchange = await accountExchange(ctx, account);
    const orders = await readExchange(
      ctx,
      targetOf(account),
      exchange,
      () => exchange.fetchOpenOrders(input.symbol),
    );
    return { orders: orders.map(exchangeOrderView) };
  },
});

export const fetchTicker = defineOperation({
  name: "fetch-ticker",
  input: { GET: fetchTickerInput, POST: fetchTickerInput },
  async run(input: FetchTickerInput, ctx) {
    await marketOf(ctx, "live", input.symbol);
    // rest-api.md "24hr ticker price change statistics": weight 2 for one symbol. The user's
    // budget pays for it, and the shared back-off of every isolate applies.
    const state = await dbCall(
      ctx,
      () => ctx.deps.db.reserveWeight(ctx.userId, "live", 2),
    );
    assertNoBackoff(ctx, "live", { sharedUntil: state.backoff_until });
    const exchange = await ctx.deps.exchanges.markets("live");
    const t = await readExchange(
      ctx,
      { environment: "live" },
      exchange,
      () => exchange.fetchTicker(input.symbol),
    );
    const info = (t.info ?? {}) as Record<string, string>;
    // Binance's own decimal strings, exact; ccxt's parsed numbers only where it has no string.
    const pick = (raw: string | undefined, parsed: number | undefined) =>
      raw ?? (parsed === undefined ? null : numberToDecimal(Math.abs(parsed)));
    return {
      symbol: t.symbol,
      timestamp: t.timestamp ? new Date(t.timestamp).toISOString() : null,
      bid: pick(info.bidPrice, t.bid),
      ask: pick(info.askPrice, t.ask),
      last: pick(info.lastPrice, t.last),
      open: pick(info.openPrice, t.open),
      high: pick(info.highPrice, t.high),
      low: pick(info.lowPrice, t.low),
      base_volume: pick(info.volume, t.baseVolume),
      quote_volume: pick(info.quoteVolume, t.quoteVolume),
      change_percent: info.priceChangePercent ?? (t.percentage ?? null),
    };
  },
});

export const fetchBalance = defineOperation({
  name: "fetch-balance",
  input: { GET: fetchBalanceInput, POST: fetchBalanceInput },
  async run(input: FetchBalanceInput, ctx) {
    // rest-api.md "Account information": weight 20.
    const account = await accountContextOf(ctx, input.account ?? null, { weight: 20 });
    const exchange = await accountExchange(ctx, account);
    const balance = await readExchange(
      ctx,
      targetOf(account),
      exchange,
      () => exchange.fetchBalance(),
    );
    const raw = ((balance.info as { balances?: { asset: string; free: string; locked: string }[] })
      ?.balances) ?? [];
    const balances: Record<string, { free: string; used: string; total: string }> = {};
    for (const b of raw) {
      const free = Number(b.free);
      const locked = Number(b.locked);
      if (free === 0 && locked === 0) continue;
      balances[b.asset] = {
        free: b.free,
        used: b.locked,
        total: numberToDecimal(free + locked),
      };
    }
    return { account: account.account.label, balances };
  },
});

export const fetchMyTrades = defineOperation({
  name: "fetch-my-trades",
  input: { GET: fetchMyTradesInput, POST: fetchMyTradesInput },
  async run(input: FetchMyTradesInput, ctx) {
    const market = await marketOf(ctx, "live", input.symbol);
    // rest-api.md "Account trade list": weight 20 without orderId.
    const account = await accountContextOf(ctx, input.account ?? null, { weight: 20 });
    const exchange = await accountExchange(ctx, account);
    const trades = await readExchange(
      ctx,
      targetOf(account),
      exchange,
      () => exchange.fetchMyTrades(input.symbol, input.since, input.limit),
    );
    let recorded = 0;
    if (trades.length > 0) {
      // New fills move their positions exactly once, whichever path saw them first.
      const result = await dbCall(
        ctx,
        () => ctx.deps.db.recordOrder(account.account.id, null, trades, amountStepOf(market)),
      );
      recorded = (result as { fills_recorded?: number }).fills_recorded ?? 0;
    }
    return { trades: trades.map(tradeView), fills_recorded: recorded };
  },
});

function marketView(m: ExchangeMarket) {
  const filters = (m.info?.filters ?? []) as Record<string, string>[];
  const f = (type: string) => filters.find((x) => x.filterType === type) ?? {};
  const lot = f("LOT_SIZE");
  const price = f("PRICE_FILTER");
  const notional =
    filters.find((x) => x.filterType === "NOTIONAL" || x.filterType === "MIN_NOTIONAL") ?? {};
  return {
    symbol: m.symbol,
    id: m.id,
    base: m.base,
    quote: m.quote,
    active: m.active !== false,
    precision: { amount: lot.stepSize ?? null, price: price.tickSize ?? null },
    limits: {
      amount: { min: lot.minQty ?? null, max: lot.maxQty ?? null },
      price: { min: price.minPrice ?? null, max: price.maxPrice ?? null },
      cost: { min: notional.minNotional ?? null, max: notional.maxNotional ?? null },
    },
  };
}

export const fetchMarkets = defineOperation({
  name: "fetch-markets",
  input: { GET: fetchMarketsInput, POST: fetchMarketsInput },
  async run(input: FetchMarketsInput, ctx) {
    const exchange = await ctx.deps.exchanges.markets("live").catch((err) => {
      throw classifyFailure(err, "read").error;
    });
    if (input.symbol && !exchange.markets?.[input.symbol]) {
      throw new AppError("BAD_SYMBOL", `${input.symbol} is not a spot market on Binance`, {
        field: "symbol",
      });
    }
    // One symbol is one look-up, not a walk over every market (over 1,000 of them).
    const bySymbol = exchange.markets ?? {};
    const candidates = (input.symbol
      ? [bySymbol[input.symbol]]
      : Object.values(bySymbol)) as unknown as ExchangeMarket[];
    const markets = candidates
      .filter((m) =>
        m.spot !== false
      )
      .filter((m) => !input.quote || m.quote === input.quote)
      .filter((m) => !input.base || m.base === input.base)
      .map(marketView);
    return { count: markets.length, markets };
  },
});
