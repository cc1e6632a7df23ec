/**
 * The one place where ccxt's exceptions become the product's error set.
 *
 * ccxt's hierarchy decides the order of the checks: RateLimitExceeded, DDoSProtection,
 * InvalidNonce, ExchangeNotAvailable and RequestTimeout are all NetworkError, and
 * OrderNotFound is an InvalidOrder, so the specific classes are tested first.
 * Messages are our own: ccxt's can carry request URLs with signatures.
 */
import { ccxt } from "./ccxt.ts";
import { AppError } from "../errors.ts";

/** Whether the exchange may have executed the request although we got no answer. */
export function isAmbiguous(err: unknown): boolean {
  return err instanceof ccxt.RequestTimeout ||
    (err instanceof ccxt.ExchangeNotAvailable) ||
    (err instanceof ccxt.NetworkError &&
      !(err instanceof ccxt.RateLimitExceeded) &&
      !(err instanceof ccxt.DDoSProtection) &&
      !(err instanceof ccxt.InvalidNonce));
}

export function isRateLimit(err: unknown): boolean {
  return err instanceof ccxt.RateLimitExceeded || err instanceof ccxt.DDoSProtection;
}

/** Binance's own `{"code","msg"}` from a ccxt error message, when it has one. */
export function binanceErrorOf(err: unknown): { code: number; msg: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = err.message.match(/\{"code":\s*(-?\d+),\s*"msg":\s*"((?:[^"\\]|\\.)*)"\}/);
  if (!m) return undefined;
  return { code: Number(m[1]), msg: m[2].replace(/\\"/g, '"') };
}

/** Default seconds to wait after a 429/418 when Binance gave no Retry-After we could read. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

export function translateExchangeError(err: unknown, retryAfter?: number): AppError {
  if (err instanceof AppError) return err;
  const binance = binanceErrorOf(err);
  const details = binance ? { exchange_code: binance.code } : undefined;
  const exchangeMessage = binance?.msg;
  if (err instanceof ccxt.RateLimitExceeded || err instanceof ccxt.DDoSProtection) {
    return new AppError("RATE_LIMITED", "Binance request limit reached; retry later", {
      retryAfter: retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS,
      details,
      cause: err,
    });
  }
  if (err instanceof ccxt.RequestTimeout) {
    return new AppError("EXCHANGE_TIMEOUT", "Binance did not answer in time", { cause: err });
  }
  if (err instanceof ccxt.InvalidNonce) {
    return new AppError(
      "EXCHANGE_UNAVAILABLE",
      "Binance rejected the request timestamp (clock skew)",
      { details, cause: err },
    );
  }
  if (err instanceof ccxt.NetworkError) {
    return new AppError("EXCHANGE_UNAVAILABLE", "Binance is unavailable", { details, cause: err });
  }
  if (err instanceof ccxt.OrderNotFound) {
    return new AppError("ORDER_NOT_FOUND", "Order not found", { details, cause: err });
  }
  if (err instanceof ccxt.InsufficientFunds) {
    return new AppError("INSUFFICIENT_FUNDS", exchangeMessage ?? "Insufficient funds", {
      details,
      cause: err,
    });
  }
  if (err instanceof ccxt.BadSymbol) {
    return new AppError("BAD_SYMBOL", exchangeMessage ?? "Unknown symbol", {
      field: "symbol",
      details,
      cause: err,
    });
  }
  if (err instanceof ccxt.InvalidOrder) {
    return new AppError("INVALID_ORDER", exchangeMessage ?? "Order rejected by Binance", {
      details,
      cause: err,
    });
  }
  if (err instanceof ccxt.AuthenticationError) {
    return new AppError(
      "EXCHANGE_AUTH_FAILED",
      "Binance refused the stored API key: " + (exchangeMessage ?? "authentication failed"),
      { details, cause: err },
    );
  }
  if (err instanceof ccxt.BadRequest) {
    return new AppError("INVALID_ORDER", exchangeMessage ?? "Request rejected by Binance", {
      details,
      cause: err,
    });
  }
  if (err instanceof ccxt.ExchangeError) {
    return new AppError("INVALID_ORDER", exchangeMessage ?? "Request rejected by Binance", {
      details,
      cause: err,
    });
  }
  return new AppError("INTERNAL", "Internal error", { cause: err });
}
