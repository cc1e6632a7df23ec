import assert from "node:assert/strict";
import ccxt from "ccxt";
import {
  isAmbiguous,
  translateExchangeError,
} from "../../supabase/functions/_shared/exchange/errors.ts";

Deno.test("ccxt exceptions map onto the closed error set, specific classes first", () => {
  const cases: [Error, string, number][] = [
    [new ccxt.RateLimitExceeded("x"), "RATE_LIMITED", 429],
    [new ccxt.DDoSProtection("x"), "RATE_LIMITED", 429],
    [new ccxt.RequestTimeout("x"), "EXCHANGE_TIMEOUT", 504],
    [new ccxt.InvalidNonce("x"), "EXCHANGE_UNAVAILABLE", 503],
    [new ccxt.ExchangeNotAvailable("x"), "EXCHANGE_UNAVAILABLE", 503],
    [new ccxt.OrderNotFound("x"), "ORDER_NOT_FOUND", 404],
    [
      new ccxt.InsufficientFunds(
        'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}',
      ),
      "INSUFFICIENT_FUNDS",
      422,
    ],
    [new ccxt.BadSymbol("x"), "BAD_SYMBOL", 400],
    [new ccxt.InvalidOrder("x"), "INVALID_ORDER", 422],
    [new ccxt.AuthenticationError("x"), "EXCHANGE_AUTH_FAILED", 403],
    [new ccxt.PermissionDenied("x"), "EXCHANGE_AUTH_FAILED", 403],
    [new Error("boom"), "INTERNAL", 500],
  ];
  for (const [err, code, status] of cases) {
    const app = translateExchangeError(err);
    assert.equal(app.code, code, err.constructor.name);
    assert.equal(app.status, status, err.constructor.name);
  }
  assert.equal(translateExchangeError(new ccxt.RateLimitExceeded("x"), 7).retryAfter, 7);
});

Deno.test("only timeouts and unknown network failures are ambiguous for orders", () => {
  assert.equal(isAmbiguous(new ccxt.RequestTimeout("x")), true);
  assert.equal(isAmbiguous(new ccxt.ExchangeNotAvailable("x")), true);
  assert.equal(isAmbiguous(new ccxt.NetworkError("x")), true);
  assert.equal(isAmbiguous(new ccxt.RateLimitExceeded("x")), false);
  assert.equal(isAmbiguous(new ccxt.InvalidNonce("x")), false);
  assert.equal(isAmbiguous(new ccxt.InsufficientFunds("x")), false);
});

Deno.test("error messages never carry ccxt's request URL", () => {
  const err = new ccxt.RequestTimeout(
    "binance POST http://h/api/v3/order?signature=deadbeef request timed out",
  );
  assert.ok(!translateExchangeError(err).message.includes("deadbeef"));
});
