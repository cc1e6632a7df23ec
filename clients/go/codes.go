package trading

// Error codes the functions answer with (the closed set of
// supabase/functions/_shared/errors.ts). Each says what to do next.
const (
	// CodeValidationError: the request is malformed; fix the named Field.
	CodeValidationError = "VALIDATION_ERROR"
	// CodeBadSymbol: not a spot market on Binance; fix the symbol.
	CodeBadSymbol = "BAD_SYMBOL"
	// CodeUnauthorized: missing, expired or invalid token; sign in again.
	CodeUnauthorized = "UNAUTHORIZED"
	// CodeExchangeAuthFailed: Binance refused the saved key; a human must replace it.
	CodeExchangeAuthFailed = "EXCHANGE_AUTH_FAILED"
	// CodeOrderNotFound: no such order for this user.
	CodeOrderNotFound = "ORDER_NOT_FOUND"
	// CodeMethodNotAllowed: the function does not accept this HTTP method.
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// CodeCredentialsMissing: no (such) exchange account; save a key with SaveKeys.
	CodeCredentialsMissing = "CREDENTIALS_MISSING"
	// CodeIdempotencyConflict: the key was used for a different order (fix the call), or the
	// first request with it is still in flight (Retryable: retry with the same key).
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"
	// CodeRequestTimeout: the request body did not arrive in time; send it again.
	CodeRequestTimeout = "REQUEST_TIMEOUT"
	// CodePayloadTooLarge: the body is over the size limit.
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	// CodeInsufficientFunds: Binance refused the order for lack of funds.
	CodeInsufficientFunds = "INSUFFICIENT_FUNDS"
	// CodeInvalidOrder: Binance refused the order (filters, state).
	CodeInvalidOrder = "INVALID_ORDER"
	// CodeRateLimited: wait RetryAfter seconds.
	CodeRateLimited = "RATE_LIMITED"
	// CodeExchangeUnavailable: Binance is down or answered 5xx; retry (orders: same key).
	CodeExchangeUnavailable = "EXCHANGE_UNAVAILABLE"
	// CodeExchangeTimeout: Binance did not answer in time; retry with the same key.
	CodeExchangeTimeout = "EXCHANGE_TIMEOUT"
	// CodeInternal: a failure on the server, logged under RequestID.
	CodeInternal = "INTERNAL"
)

// ErrorCodes lists every code above.
var ErrorCodes = []string{
	CodeValidationError, CodeBadSymbol, CodeUnauthorized, CodeExchangeAuthFailed,
	CodeOrderNotFound, CodeMethodNotAllowed, CodeCredentialsMissing, CodeIdempotencyConflict,
	CodeRequestTimeout, CodePayloadTooLarge, CodeInsufficientFunds, CodeInvalidOrder, CodeRateLimited,
	CodeExchangeUnavailable, CodeExchangeTimeout, CodeInternal,
}
