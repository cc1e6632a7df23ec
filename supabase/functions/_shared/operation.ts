/**
 * An operation is one function's logic: a plain `(input, ctx) -> result` that knows nothing
 * of HTTP. The wrapper (http/server.ts) authenticates, validates and maps errors; the local
 * gateway and the tests call the very same operations.
 */
import type { z } from "./vendor/zod.js";
import type { Authenticator, Caller } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db.ts";
import type { ExchangePool } from "./exchange/pool.ts";
import type { Logger } from "./log.ts";

export type Method = "GET" | "POST" | "DELETE";

/** Test-only hooks, set only by the local stack when asked to (reliability tests). */
export interface Hooks {
  /** Called after the exchange answered an order and before it is recorded. */
  afterExchange?: (operation: string) => void | Promise<void>;
}

/** Everything an operation depends on, built once per isolate. */
export interface Deps {
  config: Config;
  db: Db;
  exchanges: ExchangePool;
  auth: Authenticator;
  log: Logger;
  /** Milliseconds since the epoch. */
  now: () => number;
  hooks: Hooks;
}

/** Time spent outside the function, for the request log. */
export interface Timings {
  dbMs: number;
  exchangeMs: number;
  exchangeRequests: number;
}

export interface OperationContext {
  deps: Deps;
  caller: Caller;
  /** The user this request acts for; null only for a service caller acting for all users. */
  userId: string | null;
  method: Method;
  requestId: string;
  headers: Headers;
  timings: Timings;
  /** Response headers an operation may add (e.g. Idempotent-Replayed). */
  responseHeaders: Headers;
  /**
   * Set by an operation whose 200 answer reports failures inside it (sync-orders: `failed`),
   * so the request log shows the failure instead of `ok`.
   */
  outcome?: string;
}

export interface Operation<I = unknown, O = unknown> {
  name: string;
  /** Input schema per accepted HTTP method; other methods answer 405. */
  input: Partial<Record<Method, z.ZodType<I, unknown>>>;
  /** A service caller may omit `user_id` (the operation then acts for all users). */
  allowAllUsers?: boolean;
  run(input: I, ctx: OperationContext): Promise<O>;
}

export function defineOperation<I, O>(op: Operation<I, O>): Operation<I, O> {
  return op;
}
