/**
 * What the simulator's HTTP layers share: the exchange, the rate limits, the faults, the
 * request log, and the shape of a Binance route.
 */
import type { Account, Exchange } from "./exchange.ts";
import type { Faults } from "./faults.ts";
import type { RateLimits } from "./limits.ts";
import type { Params } from "./params.ts";

export interface LogEntry {
  seq: number;
  time: number;
  method: string;
  path: string;
  weight: number;
  signed: boolean;
  api_key: string | null;
  status: number;
}

export interface SimState {
  exchange: Exchange;
  limits: RateLimits;
  faults: Faults;
  log: LogEntry[];
  seq: number;
  /** Added to every Binance request, in ms. */
  baseLatency: number;
  /** The full exchangeInfo body (3 MB for the full catalogue), until something changes. */
  exchangeInfoCache?: string;
  /** Aborted on close: pending sleeps end. */
  aborts: AbortController;
}

export interface Ctx {
  params: Params;
  account?: Account;
  state: SimState;
}

export interface Route {
  weight: (p: Params) => number;
  /** SIGNED: needs the API key, `timestamp` and `signature` (rest-api.md "Request Security"). */
  signed: boolean;
  /** Counts against the account's ORDERS limits (rest-api.md "Unfilled Order Count"). */
  order?: boolean;
  /** Every parameter the endpoint reads; others get -1104 (errors.md). */
  params: readonly string[];
  handler: (ctx: Ctx) => unknown;
}

export const MAX_LOG = 200_000;

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
