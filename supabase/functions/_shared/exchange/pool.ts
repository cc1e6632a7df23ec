/**
 * ccxt instances for an isolate. Markets are loaded once per endpoint and shared by every
 * instance of that endpoint without copying (`setMarketsFromExchange`); a cold isolate takes
 * them from Postgres (`trading.markets_cache`, TTL) before it downloads exchangeInfo.
 * An account's instance is a view of its endpoint's shared instance (`accountView`: own
 * credentials and options, never shared between two accounts), kept in an LRU of a few kB per
 * account.
 */
import { AppError } from "../errors.ts";
import {
  accountView,
  type Binance,
  type BinanceCredentials,
  type BinanceEndpoint,
  type BinanceEnvironment,
  createBinance,
} from "./binance.ts";

/** What the pool needs from the database: the shared markets cache and back-off. */
export interface MarketsStore {
  getMarkets(source: string, maxAgeSeconds: number): Promise<unknown[] | null>;
  putMarkets(source: string, markets: unknown[]): Promise<void>;
  /** The environment's back-off: exchangeInfo (weight 20) is not asked for while it holds. */
  backoffState(environment: string): Promise<{ backoff_until: string | null }>;
}

export interface ExchangePoolOptions {
  baseUrl?: string;
  timeoutMs: number;
  marketsTtlSeconds: number;
  cacheSize: number;
  store: MarketsStore;
  /**
   * Reports where markets came from (`db`, `exchange`) and how long they took, for logs and
   * benchmarks.
   */
  onMarkets?: (source: "db" | "exchange", ms: number) => void;
}

export type ExchangeMarket = {
  id: string;
  symbol: string;
  base: string;
  quote: string;
  active?: boolean;
  spot?: boolean;
  precision: { amount?: number; price?: number };
  limits: {
    amount?: { min?: number; max?: number };
    price?: { min?: number; max?: number };
    cost?: { min?: number; max?: number };
    market?: { min?: number; max?: number };
  };
  info: Record<string, unknown>;
};

/**
 * Fields of a market's raw exchangeInfo entry that nothing reads after ccxt has parsed it: the
 * permission lists (ccxt derives `active` from them while parsing, rest-api.md "Exchange
 * information"). They were 43% of the markets' heap on the simulator's catalogue (3.3 of
 * 7.7 MB over 1,201 markets, measured), and every major GC marks them.
 */
const PARSE_ONLY_INFO = new Set(["permissions", "permissionSets"]);

/** Drops PARSE_ONLY_INFO from each market's `info` (a new object: no dictionary-mode info). */
export function slimMarkets(markets: Iterable<{ info?: unknown }>): void {
  for (const market of markets) {
    const info = market.info;
    if (info === null || typeof info !== "object") continue;
    const slim: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(info)) if (!PARSE_ONLY_INFO.has(k)) slim[k] = v;
    market.info = slim;
  }
}

interface Holder {
  exchange: Binance;
  loading?: Promise<Binance>;
  loadedAt?: number;
}

export class ExchangePool {
  readonly #opts: ExchangePoolOptions;
  readonly #holders = new Map<string, Holder>();
  readonly #instances = new Map<
    string,
    { key: string; exchange: Binance; version: string }
  >();
  /** The account a user's label (or their default, "") named last: user id NUL label. */
  readonly #owners = new Map<string, string>();

  constructor(opts: ExchangePoolOptions) {
    this.#opts = opts;
  }

  endpointFor(environment: BinanceEnvironment): BinanceEndpoint {
    return { environment, baseUrl: this.#opts.baseUrl };
  }

  /** Where markets come from; the markets cache key. */
  sourceOf(endpoint: BinanceEndpoint): string {
    return endpoint.baseUrl ?? `binance:${endpoint.environment}`;
  }

  /** The endpoint's public instance with markets loaded (once per isolate). */
  markets(environment: BinanceEnvironment): Promise<Binance> {
    const endpoint = this.endpointFor(environment);
    const source = this.sourceOf(endpoint);
    let holder = this.#holders.get(source);
    const ttlMs = this.#opts.marketsTtlSeconds * 1000;
    if (holder?.loadedAt !== undefined && Date.now() - holder.loadedAt < ttlMs) {
      return Promise.resolve(holder.exchange);
    }
    if (holder?.loading) return holder.loading;
    if (!holder) {
      holder = {
        exchange: createBinance({ endpoint, timeoutMs: this.#opts.timeoutMs }),
      };
      this.#holders.set(source, holder);
    }
    const h = holder;
    h.loading = this.#load(h.exchange, source, environment).then(
      (ex) => {
        h.loadedAt = Date.now();
        h.loading = undefined;
        return ex;
      },
      (err) => {
        h.loading = undefined;
        throw err;
      },
    );
    return h.loading;
  }

  async #load(exchange: Binance, source: string, environment: string): Promise<Binance> {
    const started = performance.now();
    let dbAnswered = true;
    const cached = await this.#opts.store.getMarkets(source, this.#opts.marketsTtlSeconds)
      .catch(() => {
        dbAnswered = false;
        return null;
      });
    if (cached && cached.length > 0) {
      // A cache written before slimMarkets existed still holds the permission lists.
      slimMarkets(cached as { info?: unknown }[]);
      // deno-lint-ignore no-explicit-any
      exchange.setMarkets(cached as any);
      this.#opts.onMarkets?.("db", performance.now() - started);
      return exchange;
    }
    // exchangeInfo (weight 20) waits out the environment's back-off like every other call. A
    // database that does not answer is not asked again: the markets load goes on without it.
    if (dbAnswered) {
      const { backoff_until } = await this.#opts.store.backoffState(environment)
        .catch(() => ({ backoff_until: null }));
      const until = backoff_until ? Date.parse(backoff_until) : 0;
      if (until > Date.now()) {
        throw new AppError("RATE_LIMITED", "Binance request limit reached; retry later", {
          retryAfter: Math.ceil((until - Date.now()) / 1000),
        });
      }
    }
    await exchange.loadMarkets(true);
    const list = Object.values(exchange.markets ?? {});
    slimMarkets(list as { info?: unknown }[]);
    this.#opts.onMarkets?.("exchange", performance.now() - started);
    // The cache is an optimisation: a failure to store it must not fail the request.
    await this.#opts.store.putMarkets(source, list).catch(() => {});
    return exchange;
  }

  /** A market by unified symbol, or undefined when the endpoint does not list it. */
  async market(
    environment: BinanceEnvironment,
    symbol: string,
  ): Promise<ExchangeMarket | undefined> {
    const ex = await this.markets(environment);
    return (ex.markets?.[symbol] as unknown as ExchangeMarket | undefined);
  }

  /**
   * The account's instance, with the endpoint's shared markets. A rotated key (different
   * credentials for the same account) replaces the cached instance. `version` is the key
   * version the database gave with the credentials (`key_version`).
   */
  async forAccount(
    accountId: string,
    environment: BinanceEnvironment,
    credentials: BinanceCredentials,
    version: string,
  ): Promise<Binance> {
    const shared = await this.markets(environment);
    const key = `${environment}\u0000${credentials.apiKey}\u0000${credentials.secret}`;
    const cached = this.#instances.get(accountId);
    if (cached && cached.key === key) {
      cached.version = version;
      // LRU: move to the back.
      this.#instances.delete(accountId);
      this.#instances.set(accountId, cached);
      return cached.exchange;
    }
    const exchange = accountView(shared, credentials);
    this.#instances.delete(accountId);
    this.#instances.set(accountId, { key, exchange, version });
    while (this.#instances.size > this.#opts.cacheSize) {
      const oldest = this.#instances.keys().next().value;
      if (oldest === undefined) break;
      this.#instances.delete(oldest);
    }
    return exchange;
  }

  /**
   * The account's instance if it holds the credentials of key version `version`; undefined
   * when it was dropped from the cache or holds another version.
   */
  cachedAccount(accountId: string, version: string): Binance | undefined {
    const cached = this.#instances.get(accountId);
    if (!cached || cached.version !== version) return undefined;
    this.#instances.delete(accountId);
    this.#instances.set(accountId, cached);
    return cached.exchange;
  }

  /**
   * The key version this isolate holds for the account a user's label named last (null: the
   * default account), to pass as `p_known_key`: the database then leaves the secret out.
   */
  knownKey(userId: string, label: string | null): string | undefined {
    const accountId = this.#owners.get(`${userId}\u0000${label ?? ""}`);
    return accountId === undefined ? undefined : this.#instances.get(accountId)?.version;
  }

  /** Remembers which account a user's label named (see knownKey). */
  noteOwner(userId: string, label: string | null, accountId: string): void {
    const k = `${userId}\u0000${label ?? ""}`;
    if (this.#owners.get(k) === accountId) return;
    this.#owners.delete(k);
    this.#owners.set(k, accountId);
    // Bounded as the instances are: a user has at most a few labels.
    while (this.#owners.size > 4 * this.#opts.cacheSize) {
      const oldest = this.#owners.keys().next().value;
      if (oldest === undefined) break;
      this.#owners.delete(oldest);
    }
  }

  /** A throwaway instance for checking keys that are not saved yet. */
  async forCredentials(environment: BinanceEnvironment, credentials: BinanceCredentials) {
    return accountView(await this.markets(environment), credentials);
  }

  get cachedInstances(): number {
    return this.#instances.size;
  }
}
