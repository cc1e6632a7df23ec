/**
 * How a failed Binance request is classified: by Binance's own semantics (the HTTP status and
 * Binance's error code, rest-api.md "HTTP Return Codes" and errors.md), never by ccxt's exception
 * class. ccxt maps several "execution status unknown" answers (-1006, -1007 in a 5xx) to
 * ExchangeError or OperationFailed, and -2015 to DDoSProtection once a key has worked before; a
 * product that trusted those classes recorded filled orders as rejected and let one revoked key
 * back off every user.
 *
 * The rules below are walked in order, first match wins; docs/ERRORS.md shows the same table and
 * tests/unit/outcome_table_test.ts checks every row of it through real ccxt.
 */
import { ccxt } from "./ccxt.ts";
import { AppError, type ErrorCode } from "../errors.ts";
import { answerOf, type ExchangeAnswer } from "./binance.ts";

/** What a failure means for the request and for whoever else shares its limits. */
export type FailureClass =
  /** Binance refused the request for good: it was not executed. An order is `rejected`. */
  | "refused"
  /** The order does not exist (or no longer): -2013, "Unknown order sent.", -2026. */
  | "not_found"
  /** Execution status unknown: the request may have been executed. Look up; never resend blindly. */
  | "ambiguous"
  /** The IP's request weight is used up or the IP is banned: every caller backs off. */
  | "ip_limit"
  /** This account's order rate is used up (-1015): only its new orders back off. */
  | "account_limit"
  /** The key is revoked, malformed, lacks a permission or an IP: the account is marked failed. */
  | "key_failure"
  /** The timestamp is outside recvWindow (-1021): not executed; resync the clock, retry once. */
  | "clock_skew";

/** What was asked of Binance: only an order request can be an ambiguous order. */
export type RequestKind = "order" | "cancel" | "read";

/**
 * Which HTTP answers a rule covers. `timeout`: sent, and no answer within our timeout;
 * `none`: sent, and the connection failed without an answer (reset, refused).
 */
export type StatusMatch = "timeout" | "none" | "2xx" | "4xx" | "418" | "429" | "5xx" | "504";

export interface Rule {
  status: StatusMatch;
  /** Binance codes the rule covers; absent: any code or none. */
  codes?: number[];
  /** Binance's message, exactly (errors.md "Messages for -1010, -2010, -2011"). */
  msg?: string;
  /** Request kinds the rule covers; absent: all. */
  kinds?: RequestKind[];
  class: FailureClass;
  /** The product's error code the caller gets. */
  answer: ErrorCode;
}

/** errors.md 11xx "Request issues": malformed or refused parameters, never executed. */
const REQUEST_ISSUES = Array.from({ length: 100 }, (_, i) => -1100 - i).filter((c) => c !== -1121);

/** The classification table, in order; the first matching rule wins. */
const RULES: readonly Rule[] = [
  // No answer at all (timeout, reset, refused connection after sending): status unknown.
  { status: "timeout", class: "ambiguous", answer: "EXCHANGE_TIMEOUT" },
  { status: "none", class: "ambiguous", answer: "EXCHANGE_UNAVAILABLE" },
  // rest-api.md LIMITS: 418 is an IP ban; 429 with -1003 is the IP's request weight.
  { status: "418", class: "ip_limit", answer: "RATE_LIMITED" },
  { status: "429", codes: [-1015], class: "account_limit", answer: "RATE_LIMITED" },
  { status: "429", codes: [-1003], class: "ip_limit", answer: "RATE_LIMITED" },
  // "Unfilled Order Count ... is tracked for each account": another 429 on an order is the account's.
  { status: "429", kinds: ["order"], class: "account_limit", answer: "RATE_LIMITED" },
  { status: "429", class: "ip_limit", answer: "RATE_LIMITED" },
  // rest-api.md "HTTP Return Codes": a 5XX means the execution status is UNKNOWN.
  { status: "504", class: "ambiguous", answer: "EXCHANGE_TIMEOUT" },
  { status: "5xx", class: "ambiguous", answer: "EXCHANGE_UNAVAILABLE" },
  // A 2xx that is not JSON: Binance answered, but what it did is unknown.
  { status: "2xx", class: "ambiguous", answer: "EXCHANGE_UNAVAILABLE" },
  // errors.md -2014, -2015, -1022, -1002: the key (or its secret, IP or permissions) is refused.
  {
    status: "4xx",
    codes: [-2014, -2015, -1022, -1002],
    class: "key_failure",
    answer: "EXCHANGE_AUTH_FAILED",
  },
  { status: "4xx", codes: [-1021], class: "clock_skew", answer: "EXCHANGE_UNAVAILABLE" },
  { status: "4xx", codes: [-2013, -2026], class: "not_found", answer: "ORDER_NOT_FOUND" },
  {
    status: "4xx",
    codes: [-2010, -2011],
    msg: "Unknown order sent.",
    class: "not_found",
    answer: "ORDER_NOT_FOUND",
  },
  // "Duplicate order sent.": the client order id is in use by an open order: it may be ours.
  {
    status: "4xx",
    codes: [-2010],
    msg: "Duplicate order sent.",
    class: "ambiguous",
    answer: "EXCHANGE_UNAVAILABLE",
  },
  {
    status: "4xx",
    codes: [-2010],
    msg: "Account has insufficient balance for requested action.",
    class: "refused",
    answer: "INSUFFICIENT_FUNDS",
  },
  { status: "4xx", codes: [-1121], class: "refused", answer: "BAD_SYMBOL" },
  // -1013 "The request is rejected by the API (it didn't reach the Matching Engine)": filters.
  {
    status: "4xx",
    codes: [-1013, -1014, -1020, -2010, -2011, -2039, ...REQUEST_ISSUES],
    class: "refused",
    answer: "INVALID_ORDER",
  },
  // Anything else, including 403 (WAF), 409 and codes this table does not know: unknown.
  { status: "4xx", class: "ambiguous", answer: "EXCHANGE_UNAVAILABLE" },
];

/** Binance's `{code, msg}` from a raw answer body, when it is one. */
function binanceError(body: string | undefined): { code: number; msg: string } | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.code === "number" && typeof parsed.msg === "string") {
      return { code: parsed.code, msg: parsed.msg };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

function statusMatches(
  match: StatusMatch,
  status: number | undefined,
  timedOut: boolean,
): boolean {
  if (status === undefined) return match === (timedOut ? "timeout" : "none");
  switch (match) {
    case "none":
    case "timeout":
      return false;
    case "2xx":
      return status >= 200 && status < 300;
    case "4xx":
      return status >= 400 && status < 500;
    case "5xx":
      return status >= 500;
    default:
      return status === Number(match);
  }
}

/** The first rule for an answer. */
function ruleFor(
  kind: RequestKind,
  status: number | undefined,
  code: number | undefined,
  msg: string | undefined,
  timedOut = false,
): Rule {
  const rule = RULES.find((r) =>
    statusMatches(r.status, status, timedOut) &&
    (r.codes === undefined || (code !== undefined && r.codes.includes(code))) &&
    (r.msg === undefined || r.msg === msg) &&
    (r.kinds === undefined || r.kinds.includes(kind))
  );
  // The last 4xx rule and the catch-alls above cover every status; this is a guard.
  return rule ?? { status: "5xx", class: "ambiguous", answer: "EXCHANGE_UNAVAILABLE" };
}

export interface Failure {
  class: FailureClass;
  /** What the caller gets (RATE_LIMITED carries retryAfter). */
  error: AppError;
  /** Seconds Binance asked us to wait (418/429). */
  retryAfter?: number;
  answer: ExchangeAnswer;
}

/** Default seconds to wait after a 429/418 when Binance gave no Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;

function retryAfterOf(answer: ExchangeAnswer, msg: string | undefined, now: number): number {
  for (const [k, v] of Object.entries(answer.headers ?? {})) {
    if (k.toLowerCase() === "retry-after" && Number(v) > 0) return Math.ceil(Number(v));
  }
  const until = msg?.match(/banned until (\d{13})/);
  if (until) return Math.max(1, Math.ceil((Number(until[1]) - now) / 1000));
  return DEFAULT_RETRY_AFTER_SECONDS;
}

const MESSAGES: Record<FailureClass, string> = {
  refused: "Binance refused the request",
  not_found: "Order not found",
  ambiguous: "Binance did not confirm the outcome; retry with the same idempotency key",
  ip_limit: "Binance request limit reached; retry later",
  account_limit: "Binance's order rate limit for this account is reached; retry later",
  key_failure: "Binance refused the stored API key",
  clock_skew: "Binance rejected the request timestamp (clock skew)",
};

/** An error raised before anything was sent: what ccxt's own checks said, in our set. */
function beforeSending(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ccxt.BadSymbol) {
    return new AppError("BAD_SYMBOL", "Unknown symbol", { field: "symbol", cause: err });
  }
  if (err instanceof ccxt.InvalidOrder || err instanceof ccxt.BadRequest) {
    return new AppError("INVALID_ORDER", "The order breaks the market's rules", { cause: err });
  }
  if (err instanceof ccxt.AuthenticationError) {
    return new AppError("EXCHANGE_AUTH_FAILED", "The stored API key is incomplete", { cause: err });
  }
  return new AppError("INTERNAL", "Internal error", { cause: err });
}

/**
 * Classifies a failed exchange call. `started`: whether the call began an HTTP request (an
 * error thrown after the answer was parsed carries no answer of its own, and must not pass for
 * "never sent").
 */
export function classifyFailure(
  err: unknown,
  kind: RequestKind,
  opts: { started?: boolean; now?: number } = {},
): Failure {
  const answer = answerOf(err);
  if (!answer.sent && !opts.started) {
    return { class: "refused", error: beforeSending(err), answer };
  }
  const binance = binanceError(answer.body);
  const rule = ruleFor(
    kind,
    answer.status,
    binance?.code,
    binance?.msg,
    err instanceof ccxt.RequestTimeout,
  );
  const details: Record<string, unknown> = {};
  if (binance) details.exchange_code = binance.code;
  if (answer.status !== undefined) details.exchange_status = answer.status;
  const limited = rule.class === "ip_limit" || rule.class === "account_limit";
  const retryAfter = limited
    ? retryAfterOf(answer, binance?.msg, opts.now ?? Date.now())
    : undefined;
  // Binance's own message is safe to show for refusals (it names the filter, the balance...).
  const message = rule.class === "refused" && binance
    ? binance.msg
    : rule.class === "key_failure" && binance
    ? `${MESSAGES.key_failure}: ${binance.msg}`
    : MESSAGES[rule.class];
  const error = new AppError(rule.answer, message, {
    details: Object.keys(details).length > 0 ? details : undefined,
    retryAfter,
    field: rule.answer === "BAD_SYMBOL" ? "symbol" : undefined,
    cause: err,
  });
  return { class: rule.class, error, retryAfter, answer };
}
