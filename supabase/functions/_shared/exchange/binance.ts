/**
 * Builds ccxt `binance` instances for Binance Spot with the fewest possible requests.
 *
 * Facts this file is built on (measured with ccxt 4.5.84, see DESIGN.md):
 * - default options make `loadMarkets` send 7 requests; spot-only options below leave one
 *   (`GET /api/v3/exchangeInfo`);
 * - the per-instance token bucket (`enableRateLimit`) delays single orders by ~11-200 ms, and
 *   the product keeps its own account of Binance's limits (back-off in Postgres), so it is off;
 * - `enableLastHttpResponse` keeps the last raw body (3.4 MB for exchangeInfo): off;
 * - `fetchOpenOrders` without a symbol must not throw ccxt's warning;
 * - `setMarketsFromExchange` shares one markets object among instances without copying;
 * - building an instance costs ~10 ms of CPU and ~1 MB (the constructor deep-merges the
 *   description and makes two closures per endpoint of the implicit API, thousands for
 *   binance), so an account gets a view of its endpoint's instance instead (`accountView`).
 */
import { ccxt } from "./ccxt.ts";

export type BinanceEnvironment = "live" | "testnet";

/** Where an instance sends its requests. */
export interface BinanceEndpoint {
  environment: BinanceEnvironment;
  /**
   * A Binance-compatible base URL (the local simulator) that replaces api.binance.com and
   * the testnet alike. Undefined in production.
   */
  baseUrl?: string;
}

export interface BinanceCredentials {
  apiKey: string;
  secret: string;
}

/** Request timeout for one HTTP call to Binance, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The ccxt `urls.api` entries of the Spot REST API, relative to a base URL. */
const SPOT_API_PATHS: Record<string, string> = {
  public: "/api/v3",
  private: "/api/v3",
  v1: "/api/v1",
  sapi: "/sapi/v1",
  sapiV2: "/sapi/v2",
  sapiV3: "/sapi/v3",
  sapiV4: "/sapi/v4",
};

/** ccxt `urls.api` for a Binance-compatible base URL, e.g. `http://127.0.0.1:54329`. */
export function binanceUrlsFor(baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, "");
  return Object.fromEntries(
    Object.entries(SPOT_API_PATHS).map(([key, path]) => [key, base + path]),
  );
}

/**
 * What Binance answered to the request that failed, attached to the error ccxt throws:
 * `sent` is false when ccxt refused the call before any byte left this process (its own
 * argument checks), true once the HTTP request was attempted. `status` and `body` are set
 * when an HTTP answer arrived; a sent request without them got no answer (timeout, reset).
 * Classification by Binance's semantics (outcome.ts) starts from this, never from ccxt's class.
 */
export interface ExchangeAnswer {
  sent: boolean;
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}

const answers = new WeakMap<object, ExchangeAnswer>();

/** The answer behind a thrown error; `{ sent: false }` for errors raised before sending. */
export function answerOf(err: unknown): ExchangeAnswer {
  return (typeof err === "object" && err !== null && answers.get(err)) || { sent: false };
}

function tag(err: unknown, answer: ExchangeAnswer): unknown {
  if (typeof err === "object" && err !== null && !answers.has(err)) answers.set(err, answer);
  return err;
}

/**
 * ccxt picks Binance's spot exception map by the request URL (`getExceptionsByUrl`): only
 * URLs on api.binance.com or the spot testnet get it. Requests to any other base URL would
 * fall back to the generic map, and the same Binance error could become a different ccxt
 * exception class than it does in production. This subclass treats the configured base URL
 * as spot, so the simulator and api.binance.com produce the same exception classes.
 *
 * It also records on every error it throws what Binance answered (`answerOf`), and refuses a
 * 2xx answer that is not JSON, which ccxt would hand on as a string and parse into an empty
 * order.
 */
class SpotBinance extends ccxt.binance {
  spotBaseUrl?: string;
  /** HTTP requests this instance has begun: tells "refused before sending" from "sent". */
  requestsStarted = 0;
  /**
   * The answer being handled: ccxt calls handleErrors then handleHttpStatusCode in one tick.
   * A plain property, not a private field, so that it also works on objects that inherit
   * from an instance.
   */
  answerInFlight?: ExchangeAnswer;

  // deno-lint-ignore no-explicit-any
  override getExceptionsByUrl(url: string, exactOrBroad: string): any {
    if (this.spotBaseUrl !== undefined && url !== undefined && url.startsWith(this.spotBaseUrl)) {
      const spot = this.safeDict(this.exceptions, "spot", {});
      return this.safeDict(spot, exactOrBroad, {});
    }
    return super.getExceptionsByUrl(url, exactOrBroad);
  }

  // deno-lint-ignore no-explicit-any
  override async fetch(url: string, method = "GET", headers?: any, body?: any): Promise<any> {
    this.requestsStarted++;
    try {
      return await super.fetch(url, method, headers, body);
    } catch (err) {
      throw tag(err, { sent: true });
    }
  }

  override handleErrors(
    code: number,
    reason: string,
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string,
    // deno-lint-ignore no-explicit-any
    response: any,
    // deno-lint-ignore no-explicit-any
    requestHeaders: any,
    // deno-lint-ignore no-explicit-any
    requestBody: any,
  ): undefined {
    const answer: ExchangeAnswer = { sent: true, status: code, body, headers };
    this.answerInFlight = answer;
    if (code >= 200 && code < 300 && (response === undefined || typeof response !== "object")) {
      throw tag(
        new ccxt.BadResponse(`${this.id} answered ${code} with a body that is not JSON`),
        answer,
      );
    }
    try {
      return super.handleErrors(
        code,
        reason,
        url,
        method,
        headers,
        body,
        response,
        requestHeaders,
        requestBody,
      );
    } catch (err) {
      throw tag(err, answer);
    }
  }

  override handleHttpStatusCode(
    code: number,
    reason: string,
    url: string,
    method: string,
    body: string,
  ) {
    try {
      super.handleHttpStatusCode(code, reason, url, method, body);
    } catch (err) {
      const answer = this.answerInFlight?.status === code
        ? this.answerInFlight
        : { sent: true, status: code, body };
      throw tag(err, answer);
    }
  }
}

export type Binance = InstanceType<typeof SpotBinance>;

export interface CreateBinanceOptions {
  endpoint: BinanceEndpoint;
  credentials?: BinanceCredentials;
  timeoutMs?: number;
}

/** A new spot-only ccxt binance instance. It has no markets until given some. */
export function createBinance(opts: CreateBinanceOptions): Binance {
  const exchange = new SpotBinance({
    apiKey: opts.credentials?.apiKey,
    secret: opts.credentials?.secret,
    enableRateLimit: false,
    enableLastHttpResponse: false,
    enableLastJsonResponse: false,
    // Kept: small, and the only way to read Retry-After on a 429/418.
    enableLastResponseHeaders: true,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options: {
      defaultType: "spot",
      fetchMarkets: { types: ["spot"] },
      fetchCurrencies: false,
      fetchMargins: false,
      // Clock skew is handled by the product: one resync and one retry on -1021.
      adjustForTimeDifference: false,
      warnOnFetchOpenOrdersWithoutSymbol: false,
    },
  });
  const { environment, baseUrl } = opts.endpoint;
  if (baseUrl !== undefined) {
    const api = binanceUrlsFor(baseUrl);
    exchange.urls["api"] = { ...exchange.urls["api"], ...api };
    exchange.spotBaseUrl = baseUrl.replace(/\/+$/, "") + "/";
  } else if (environment === "testnet") {
    exchange.setSandboxMode(true);
  }
  return exchange;
}

// deno-lint-ignore no-explicit-any
type Any = any;

/**
 * Per shared instance: a prototype layer with the implicit API (`privatePostOrder`, ...) as
 * methods that call `this.request`, so they act for whichever view they are called on. ccxt
 * defines them as arrow functions bound to the instance that was built, which a view must
 * never inherit: they would sign with that instance's (absent) credentials.
 */
const apiLayers = new WeakMap<Binance, object>();

function apiLayer(shared: Binance): object {
  const known = apiLayers.get(shared);
  if (known) return known;
  const layer: Record<string, unknown> = Object.create(shared);
  const define = (shared as Any).defineRestApiEndpoint;
  const recorder = Object.create(shared);
  recorder.defineRestApiEndpoint = function (
    methodName: string,
    upper: string,
    lower: string,
    camelMethod: string,
    path: string,
    paths: string[],
    config: Record<string, unknown> = {},
  ) {
    // ccxt's own naming of the endpoint (camelCase and snake_case): read off a scratch object.
    const names = Object.create(shared);
    define.call(names, methodName, upper, lower, camelMethod, path, paths, config);
    const api = paths.length > 1 ? paths : paths[0];
    const method = async function (this: Any, params = {}, context = {}) {
      return await this[methodName](
        path,
        api,
        upper,
        params,
        undefined,
        undefined,
        config,
        context,
      );
    };
    for (const name of Object.keys(names)) layer[name] = method;
  };
  recorder.defineRestApi((shared as Any).api, "request");
  apiLayers.set(shared, layer);
  return layer;
}

/**
 * An account's instance as a view of a shared instance (its endpoint's, with markets): its
 * own credentials and its own copy of the top-level options (ccxt writes per-account state
 * there, e.g. `timeDifference`, `hasAlreadyAuthenticatedSuccessfully`); everything else,
 * markets, HTTP agents and the description, is read from the shared instance. Whatever ccxt
 * assigns on `this` while serving the account lands on the view. Costs microseconds and a few
 * kB instead of ~10 ms and ~1 MB.
 */
export function accountView(shared: Binance, credentials: BinanceCredentials): Binance {
  const view = Object.create(apiLayer(shared));
  view.apiKey = credentials.apiKey;
  view.secret = credentials.secret;
  view.options = { ...shared.options };
  return view as Binance;
}
