/**
 * stream-fills: started every minute (pg_cron in production, a timer in the local stack), it
 * follows Binance's user data stream for a little over a minute and records every execution
 * report through trading.record_order, so a resting order's fill reaches orders, fills and
 * positions within about a second, with no call from the user. sync-orders remains the
 * safety net. Service callers only. The design and its limits: docs/STREAMING.md.
 *
 * By default the function answers at once and the run continues in the background
 * (`EdgeRuntime.waitUntil` on Supabase); `wait: true` answers with the run's figures at its
 * end (tests, operators).
 */
import { z } from "../vendor/zod.js";
import { AppError } from "../errors.ts";
import type { StreamAccount } from "../db.ts";
import type { BinanceEnvironment } from "../exchange/binance.ts";
import { ccxt } from "../exchange/ccxt.ts";
import { defineOperation, type OperationContext } from "../operation.ts";
import {
  amountStepOf,
  backOffEnvironment,
  dbCall,
  marketOf,
  readExchange,
  targetOf,
} from "./common.ts";
import { accountExchange } from "./accounts.ts";
import { recordFromExchange } from "./order_ops.ts";
import { Follower, type FollowerDeps, type RunStats } from "../stream/follower.ts";
import type { StreamEvent } from "../stream/ws_session.ts";

export const streamFillsInput = z.strictObject({
  /** Length of this run; default STREAM_RUN_SECONDS (75). Supabase allows 150 s (free). */
  run_seconds: z.number().int().min(1).max(400).optional(),
  /** Answer at the end of the run with its figures instead of at once. */
  wait: z.boolean().optional(),
});
export type StreamFillsInput = z.infer<typeof streamFillsInput>;

/** web-socket-api.md "General API Information": the WebSocket API's base endpoints. */
export const WS_API_URLS: Record<BinanceEnvironment, string> = {
  live: "wss://ws-api.binance.com:443/ws-api/v3",
  testnet: "wss://ws-api.testnet.binance.vision/ws-api/v3",
};

/** The WebSocket API URL of an environment: explicit, derived from BINANCE_API_URL, or Binance's. */
export function wsApiUrlFor(
  environment: string,
  config: { binanceWsApiUrl?: string; binanceApiUrl?: string },
): string {
  if (config.binanceWsApiUrl) return config.binanceWsApiUrl;
  if (config.binanceApiUrl) {
    return config.binanceApiUrl.replace(/\/+$/, "").replace(/^http/, "ws") + "/ws-api/v3";
  }
  return WS_API_URLS[environment as BinanceEnvironment] ?? WS_API_URLS.live;
}

// deno-lint-ignore no-explicit-any
type Parser = any;

/** ccxt's own WebSocket parsers (pro binance), on the endpoint's shared markets. */
async function parserFor(
  ctx: OperationContext,
  cache: Map<string, Parser>,
  environment: BinanceEnvironment,
): Promise<Parser> {
  let parser = cache.get(environment);
  if (!parser) {
    parser = new ccxt.proBinance({ options: { defaultType: "spot" } });
    parser.setMarketsFromExchange(await ctx.deps.exchanges.markets(environment));
    cache.set(environment, parser);
  }
  return parser;
}

/** The unified order of a report: the order's state, without the one fill's fee. */
export function orderOfReport(parser: Parser, report: StreamEvent) {
  const order = parser.parseWsOrder(report);
  // The report's commission is this fill's only; fees are summed from the fills.
  delete order.fee;
  delete order.fees;
  delete order.trades;
  return order;
}

function followerDeps(ctx: OperationContext): FollowerDeps {
  const { db, config, log } = ctx.deps;
  const parsers = new Map<string, Parser>();
  const env = (a: StreamAccount) => a.account.environment as BinanceEnvironment;
  return {
    accounts: () => dbCall(ctx, () => db.accountsToStream(ctx.userId, config.streamMaxAccounts)),
    cover: (ids, until) => dbCall(ctx, () => db.streamCover(ids, until)),
    async record(account, report) {
      const parser = await parserFor(ctx, parsers, env(account));
      const order = orderOfReport(parser, report);
      const trades = report.x === "TRADE" ? [parser.parseWsTrade(report)] : [];
      const market = await marketOf(ctx, env(account), order.symbol);
      const recorded = await dbCall(
        ctx,
        () => db.recordOrder(account.account.id, order, trades, amountStepOf(market)),
      );
      return { filled: recorded.order?.filled != null ? Number(recorded.order.filled) : null };
    },
    async reconcile(account, ref) {
      const exchange = await accountExchange(ctx, account);
      const symbol = ref.symbol.includes("/")
        ? ref.symbol
        : exchange.safeSymbol(ref.symbol, undefined, undefined, "spot");
      try {
        const order = await readExchange(
          ctx,
          targetOf(account),
          exchange,
          () =>
            exchange.fetchOrder(
              ref.exchange_order_id ?? (undefined as unknown as string),
              symbol,
              ref.exchange_order_id ? {} : { origClientOrderId: ref.client_order_id },
            ),
        );
        const result = await recordFromExchange(ctx, account, exchange, order, null);
        return { filled: result.order?.filled != null ? Number(result.order.filled) : null };
      } catch (err) {
        // A pending order Binance does not have yet: sync-orders settles it.
        if (err instanceof AppError && err.code === "ORDER_NOT_FOUND") return { filled: null };
        throw err;
      }
    },
    backoff: (environment, seconds, reason) =>
      backOffEnvironment(ctx, environment, seconds, reason),
    keyRefused: (account, code) =>
      dbCall(ctx, () => db.markKeyFailed(account.account.id, `${code} key refused (stream)`)),
    wsUrl: (environment) => wsApiUrlFor(environment, config),
    log,
    now: ctx.deps.now,
  };
}

/** Keeps the isolate alive for a background run where the platform offers it (Supabase). */
function inBackground(run: Promise<unknown>) {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } })
    .EdgeRuntime;
  runtime?.waitUntil(run);
}

export const streamFills = defineOperation({
  name: "stream-fills",
  input: { POST: streamFillsInput },
  allowAllUsers: true,
  async run(
    input: StreamFillsInput,
    ctx,
  ): Promise<RunStats | { started: true; run_seconds: number }> {
    if (ctx.caller.kind !== "service") {
      throw new AppError("UNAUTHORIZED", "stream-fills is for service callers only");
    }
    const { config, log } = ctx.deps;
    const runSeconds = input.run_seconds ?? config.streamRunSeconds;
    const follower = new Follower(followerDeps(ctx), {
      refreshMs: Math.max(config.streamRefreshSeconds, 0.2) * 1000,
      requestTimeoutMs: config.exchangeTimeoutMs,
    });
    const started = ctx.deps.now();
    // The platform ends a worker at its wall-clock limit (which counts from the worker's
    // start, and a worker may serve several runs): stop cleanly, applying what was received.
    const stop = () => follower.stop();
    globalThis.addEventListener("beforeunload", stop);
    const run = follower.run(started + runSeconds * 1000).then((stats) => {
      log.info("stream_run", { request_id: ctx.requestId, run_seconds: runSeconds, ...stats });
      return stats;
    }).finally(() => globalThis.removeEventListener("beforeunload", stop));
    if (input.wait) return await run;
    inBackground(run.catch((e) => log.warn("stream_run_failed", { error: String(e) })));
    return { started: true, run_seconds: runSeconds };
  },
});
