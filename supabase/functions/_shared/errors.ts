/**
 * The closed set of errors every function answers with (DESIGN.md, "Errors"). Each code says
 * what the caller should do next; the HTTP status is derived from the code in one place
 * (`STATUS_BY_CODE`) and the wrapper is the only place that turns an error into a response.
 */

export const ERROR_CODES = {
  /** The request is malformed or breaks a market rule. Fix the input; do not retry as is. */
  VALIDATION_ERROR: 400,
  /** The symbol is not a spot market of the exchange. Fix the input. */
  BAD_SYMBOL: 400,
  /** Missing, expired or invalid credentials for this API. Sign in again. */
  UNAUTHORIZED: 401,
  /** Binance refused the stored key (revoked, wrong permissions, IP). A human must fix the key. */
  EXCHANGE_AUTH_FAILED: 403,
  /** No such order for this user. Do not retry. */
  ORDER_NOT_FOUND: 404,
  /** Method not supported by this function. Fix the call. */
  METHOD_NOT_ALLOWED: 405,
  /** The user has no (such) exchange account. Save keys with exchange-keys first. */
  CREDENTIALS_MISSING: 409,
  /**
   * The idempotency key was used with a different body (fix the call), or the first request
   * with this key is still in flight (`retryable: true`: retry later with the same key).
   */
  IDEMPOTENCY_CONFLICT: 409,
  /** The request body did not arrive in time (a stalled or trickling client). Send it again. */
  REQUEST_TIMEOUT: 408,
  /** The request body is over the size limit. Fix the call. */
  PAYLOAD_TOO_LARGE: 413,
  /** The account lacks the funds for this order. Do not retry as is. */
  INSUFFICIENT_FUNDS: 422,
  /** Binance rejected the order (filters, state, unknown order). Do not retry as is. */
  INVALID_ORDER: 422,
  /** Binance's request limits are reached. Retry after `Retry-After` seconds. */
  RATE_LIMITED: 429,
  /** Binance is down or answered 5xx. Retry with backoff; orders are settled by sync-orders. */
  EXCHANGE_UNAVAILABLE: 503,
  /** Binance did not answer in time. Retry with the same idempotency key; never a new one. */
  EXCHANGE_TIMEOUT: 504,
  /** A bug or an unexpected failure. Nothing internal is disclosed; it is logged. */
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "RATE_LIMITED",
  "EXCHANGE_UNAVAILABLE",
  "EXCHANGE_TIMEOUT",
]);

export interface AppErrorOptions {
  /** The request field at fault, for input errors. */
  field?: string;
  /** Seconds to wait before retrying (429). */
  retryAfter?: number;
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /** Extra machine-readable details safe to show the caller. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error whose code, message and details are safe to return to the caller. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly retryAfter?: number;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.field = opts.field;
    this.retryAfter = opts.retryAfter;
    this.retryable = opts.retryable ?? RETRYABLE.has(code);
    this.details = opts.details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

/** The JSON body of an error response. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    retryable: boolean;
    request_id: string;
    field?: string;
    retry_after?: number;
    details?: Record<string, unknown>;
  };
}

export function errorBody(err: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      request_id: requestId,
      ...(err.field !== undefined ? { field: err.field } : {}),
      ...(err.retryAfter !== undefined ? { retry_after: err.retryAfter } : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
    },
  };
}

/** Any thrown value as an AppError; unknown failures become INTERNAL with a generic message. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("INTERNAL", "Internal error", { cause: err });
}
