/**
 * Binance Spot REST simulator: the wire protocol of api.binance.com over HTTP on
 * 127.0.0.1, backed by `Exchange`. This file only wires the parts together:
 * routes_market.ts, routes_trade.ts, routes_account.ts (endpoints), pipeline.ts (one
 * request end to end), auth.ts (keys and signatures), limits.ts (weights and order
 * counts), faults.ts, control.ts (the `/__sim/` API, not Binance's: see README.md).
 */
import { prng } from "./catalogue.ts";
import { Exchange, r8 } from "./exchange.ts";
import { Faults } from "./faults.ts";
import { RateLimits } from "./limits.ts";
import { control } from "./control.ts";
import { handleBinance } from "./pipeline.ts";
import { accountRoutes } from "./routes_account.ts";
import { marketRoutes } from "./routes_market.ts";
import { tradeRoutes } from "./routes_trade.ts";
import { MAX_LOG, type SimState } from "./state.ts";
import { closeWsApi, handleWsApi, isWsApiPath } from "./ws_api.ts";

export interface SimulatorOptions {
  hostname?: string;
  port?: number;
  catalogue?: "full" | "small";
  seed?: number;
  /** Added to every Binance request, in ms (a real network's round trip). */
  latencyMs?: number;
  /** Moves prices on a seeded random walk every this many ms; 0 (default) keeps them still. */
  walkMs?: number;
}

export interface Simulator {
  url: string;
  port: number;
  exchange: Exchange;
  close(): Promise<void>;
}

export function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const exchange = new Exchange(opts.catalogue ?? "full", opts.seed ?? 1);
  const state: SimState = {
    exchange,
    limits: new RateLimits(),
    faults: new Faults(),
    log: [],
    seq: 0,
    baseLatency: opts.latencyMs ?? 0,
    aborts: new AbortController(),
  };
  exchange.onFirstFill = (account) => state.limits.firstFill(account);
  const routes = { ...marketRoutes(state), ...tradeRoutes(state), ...accountRoutes(state) };

  const server = Deno.serve({
    hostname,
    port: opts.port ?? 0,
    onListen: () => {},
  }, async (req, info) => {
    const url = new URL(req.url);
    // Binance's WebSocket API (user data stream) and its control API: ws_api.ts.
    if (isWsApiPath(url.pathname)) return await handleWsApi(exchange, req);
    if (url.pathname.startsWith("/__sim/")) return await control(state, req, url);
    const { res, entry } = await handleBinance(state, routes, req, info.remoteAddr.hostname);
    state.log.push({ seq: ++state.seq, time: Date.now(), ...entry });
    if (state.log.length > MAX_LOG) state.log = state.log.slice(-MAX_LOG / 2);
    return res;
  });

  let walk: number | undefined;
  if (opts.walkMs && opts.walkMs > 0) {
    const rand = prng((opts.seed ?? 1) + 7);
    walk = setInterval(() => {
      for (const m of exchange.markets.values()) {
        if (rand() < 0.5) continue;
        const tick = Number(m.spec.tickSize);
        const next = Math.max(
          tick,
          Math.round(m.price * (1 + (rand() - 0.5) * 0.002) / tick) * tick,
        );
        exchange.setPrice(m.spec.symbol, r8(next));
      }
    }, opts.walkMs);
  }

  const port = server.addr.port;
  return Promise.resolve({
    url: `http://${hostname}:${port}`,
    port,
    exchange,
    async close() {
      if (walk !== undefined) clearInterval(walk);
      state.aborts.abort();
      closeWsApi(exchange);
      await server.shutdown();
    },
  });
}
