/**
 * Binance's error answers (errors.md): the HTTP status, the numeric code and the message a
 * client sees. Messages are Binance's wire strings, since clients (ccxt) match on some.
 */

export class BinanceError extends Error {
  constructor(readonly status: number, readonly code: number, msg: string) {
    super(msg);
  }
}

/** The pattern Binance states for `price`, `quantity` and other decimals (-1100). */
const DECIMAL_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";

export const err = {
  badSymbol: () => new BinanceError(400, -1121, "Invalid symbol."),
  mandatory: (p: string) =>
    new BinanceError(
      400,
      -1102,
      `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`,
    ),
  eitherOf: (a: string, b: string) =>
    new BinanceError(400, -1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  illegal: (p: string, range = DECIMAL_RANGE) =>
    new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${p}'; legal range is '${range}'.`,
    ),
  precision: (p: string) =>
    new BinanceError(400, -1111, `Parameter '${p}' has too much precision.`),
  notRequired: (p: string) =>
    new BinanceError(400, -1106, `Parameter '${p}' sent when not required.`),
  /** errors.md -1104: a parameter the endpoint does not read (unknown or misspelled). */
  unread: (read: number, sent: number) =>
    new BinanceError(
      400,
      -1104,
      `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`,
    ),
  badEnum: (p: string, v: string) =>
    new BinanceError(400, -1104 + 0, `Invalid value '${v}' for parameter '${p}'.`),
  filter: (f: string) => new BinanceError(400, -1013, `Filter failure: ${f}`),
  /** errors.md "Messages for -1010, -2010, -2011 and -2038": the matching engine said no. */
  rejected: (msg: string) => new BinanceError(400, -2010, msg),
  insufficient: () =>
    new BinanceError(400, -2010, "Account has insufficient balance for requested action."),
  duplicate: () => new BinanceError(400, -2010, "Duplicate order sent."),
  marketClosed: () => new BinanceError(400, -2010, "Market is closed."),
  unknownOrder: () => new BinanceError(400, -2011, "Unknown order sent."),
  cancelRejected: (msg: string) => new BinanceError(400, -2011, msg),
  noSuchOrder: () => new BinanceError(400, -2013, "Order does not exist."),
  /** errors.md -2039: orderId and origClientOrderId name different orders. */
  clientIdMismatch: () =>
    new BinanceError(400, -2039, "Client order ID is not correct for this order ID."),
  invalidKey: () => new BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action."),
  keyFormat: () => new BinanceError(401, -2014, "API-key format invalid."),
  badSignature: () => new BinanceError(400, -1022, "Signature for this request is not valid."),
};

/** errors.md "10xx - General Server or Network issues": the codes a 5xx answer carries. */
export const SERVER_ERROR_MESSAGES: Record<number, string> = {
  [-1000]: "An unknown error occurred while processing the request.",
  [-1001]: "Internal error; unable to process your request. Please try again.",
  [-1006]: "An unexpected response was received from the message bus. Execution status unknown.",
  [-1007]:
    "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  [-1008]: "Server is currently overloaded with other requests. Please try again in a few minutes.",
};
