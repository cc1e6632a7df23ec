/** Builds the dependencies of an isolate from its configuration, once. */
import { createAuthenticator } from "./auth.ts";
import type { Config } from "./config.ts";
import { createDb } from "./db.ts";
import { ExchangePool } from "./exchange/pool.ts";
import { jsonLogger, type Logger } from "./log.ts";
import type { Deps, Hooks } from "./operation.ts";

export function buildDeps(config: Config, extra: { log?: Logger; hooks?: Hooks } = {}): Deps {
  const log = extra.log ?? jsonLogger();
  const db = createDb({
    url: config.dbUrl,
    caCert: config.dbCaCert,
    max: config.dbPoolSize,
    timeoutMs: config.dbTimeoutMs,
    onAlert: (message) => log.warn("database_alert", { message: message.slice(0, 300) }),
  });
  return {
    config,
    db,
    log,
    exchanges: new ExchangePool({
      baseUrl: config.binanceApiUrl,
      timeoutMs: config.exchangeTimeoutMs,
      marketsTtlSeconds: config.marketsTtlSeconds,
      cacheSize: config.exchangeCacheSize,
      store: db,
      onMarkets: (source, ms) => log.info("markets_loaded", { source, ms: Math.round(ms) }),
    }),
    auth: createAuthenticator({
      supabaseUrl: config.supabaseUrl,
      jwtSecret: config.jwtSecret,
      serviceKeys: config.serviceKeys,
      allowAnonymous: config.allowAnonymousUsers,
    }),
    now: () => Date.now(),
    hooks: extra.hooks ?? {},
  };
}
