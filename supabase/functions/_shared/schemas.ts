/**
 * Request schemas of every function: the single source for validation, the TypeScript
 * client's types and the OpenAPI document. Objects are strict (unknown fields are rejected).
 * Money is a positive decimal given as a JSON number or a string; it is carried on as an
 * exact decimal string.
 */
import { z } from "./vendor/zod.js";
import { DECIMAL_RE } from "./decimal.ts";

const MAX_DECIMAL_LENGTH = 40;

/** A positive, finite, plain decimal (no exponent, no sign), as a normalised string. */
export const decimal = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const text = typeof value === "number" ? String(value) : value;
    if (
      (typeof value === "number" && !Number.isFinite(value)) ||
      text.length > MAX_DECIMAL_LENGTH || !DECIMAL_RE.test(text)
    ) {
      ctx.addIssue({ code: "custom", message: "must be a positive decimal like 0.001" });
      return z.NEVER;
    }
    if (/^0(\.0+)?$/.test(text)) {
      ctx.addIssue({ code: "custom", message: "must be greater than zero" });
      return z.NEVER;
    }
    return text;
  });

/** A unified spot symbol, `BASE/QUOTE` in capitals. Whether it is listed is checked later. */
export const symbol = z.string().regex(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, {
  message: "must be a spot symbol like BTC/USDT",
});

/** Binance Spot's client order id pattern (fix-api.md "Client order ID fields"). */
export const CLIENT_ORDER_ID_RE = /^[a-zA-Z0-9_-]{1,36}$/;
export const clientOrderId = z.string().regex(CLIENT_ORDER_ID_RE, {
  message: "must be 1-36 characters of A-Z a-z 0-9 _ -",
});

export const exchangeOrderId = z.string().regex(/^\d{1,20}$/, {
  message: "must be a Binance order id (digits)",
});

/** The label of one of the user's exchange accounts; omitted means the default account. */
export const accountLabel = z.string().regex(/^[A-Za-z0-9 _.-]{1,64}$/, {
  message: "must be 1-64 characters of letters, digits, space, _ . -",
});

const intParam = (min: number, max: number) =>
  z.union([z.number(), z.string().regex(/^\d{1,16}$/).transform(Number)])
    .pipe(z.number().int().min(min).max(max));

const boolParam = z.union([
  z.boolean(),
  z.enum(["true", "false"]).transform((v) => v === "true"),
]);

export const createOrderInput = z
  .strictObject({
    symbol,
    side: z.enum(["buy", "sell"]),
    type: z.enum(["market", "limit"]),
    amount: decimal.optional(),
    cost: decimal.optional(),
    price: decimal.optional(),
    time_in_force: z.enum(["GTC", "IOC", "FOK"]).optional(),
    client_order_id: clientOrderId.optional(),
    position_id: z.uuid().optional(),
    account: accountLabel.optional(),
  })
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    if (o.type === "limit") {
      if (o.price === undefined) issue("price", "is required for limit orders");
      if (o.amount === undefined) issue("amount", "is required for limit orders");
      if (o.cost !== undefined) issue("cost", "is only for market buys");
    } else {
      if (o.price !== undefined) issue("price", "is only for limit orders");
      if (o.time_in_force !== undefined) issue("time_in_force", "is only for limit orders");
      if ((o.amount === undefined) === (o.cost === undefined)) {
        issue("amount", "give exactly one of amount or cost for market orders");
      }
      if (o.cost !== undefined && o.side !== "buy") issue("cost", "is only for market buys");
    }
  });
export type CreateOrderInput = z.infer<typeof createOrderInput>;

/** One order, by exchange id or by client order id. */
const orderRef = z
  .strictObject({
    symbol,
    id: exchangeOrderId.optional(),
    client_order_id: clientOrderId.optional(),
    account: accountLabel.optional(),
  })
  .refine((o) => (o.id === undefined) !== (o.client_order_id === undefined), {
    path: ["id"],
    message: "give exactly one of id or client_order_id",
  });

export const cancelOrderInput = orderRef;
export type CancelOrderInput = z.infer<typeof cancelOrderInput>;
export const fetchOrderInput = orderRef;
export type FetchOrderInput = z.infer<typeof fetchOrderInput>;

export const fetchOpenOrdersInput = z.strictObject({
  symbol: symbol.optional(),
  account: accountLabel.optional(),
});
export type FetchOpenOrdersInput = z.infer<typeof fetchOpenOrdersInput>;

export const fetchTickerInput = z.strictObject({ symbol });
export type FetchTickerInput = z.infer<typeof fetchTickerInput>;

export const fetchBalanceInput = z.strictObject({ account: accountLabel.optional() });
export type FetchBalanceInput = z.infer<typeof fetchBalanceInput>;

export const fetchMyTradesInput = z.strictObject({
  symbol,
  since: intParam(0, 8_640_000_000_000).optional(),
  limit: intParam(1, 1000).optional(),
  account: accountLabel.optional(),
});
export type FetchMyTradesInput = z.infer<typeof fetchMyTradesInput>;

export const fetchMarketsInput = z.strictObject({
  quote: z.string().regex(/^[A-Z0-9]{1,20}$/).optional(),
  base: z.string().regex(/^[A-Z0-9]{1,20}$/).optional(),
  symbol: symbol.optional(),
});
export type FetchMarketsInput = z.infer<typeof fetchMarketsInput>;

export const saveKeysInput = z.strictObject({
  api_key: z.string().regex(/^[A-Za-z0-9]{16,128}$/, { message: "must be a Binance API key" }),
  secret: z.string().regex(/^[A-Za-z0-9]{16,128}$/, { message: "must be a Binance API secret" }),
  label: accountLabel.optional(),
  environment: z.enum(["live", "testnet"]).optional(),
});
export type SaveKeysInput = z.infer<typeof saveKeysInput>;

export const keysStatusInput = z.strictObject({});
export const removeKeysInput = z.strictObject({ label: accountLabel.optional() });
export type RemoveKeysInput = z.infer<typeof removeKeysInput>;

export const syncOrdersInput = z.strictObject({
  all_users: boolParam.optional(),
  min_age_seconds: intParam(0, 86_400).optional(),
  limit: intParam(1, 1000).optional(),
});
export type SyncOrdersInput = z.infer<typeof syncOrdersInput>;

// ---------------------------------------------------------------------------------------
// History reads from Postgres: fetch-orders and fetch-positions.

/** A point in time: milliseconds since the epoch, or an ISO 8601 date-time with its offset. */
export const timeParam = z
  .union([
    intParam(0, 8_640_000_000_000),
    z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
  ])
  .transform((ms) => new Date(ms).toISOString());

/** An opaque page token from a previous answer's `next_cursor`. */
export const cursorParam = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, {
  message: "must be a next_cursor from a previous answer",
});

export const ORDER_STATUSES = [
  "pending",
  "open",
  "closed",
  "canceled",
  "rejected",
  "expired",
] as const;

export const fetchOrdersInput = z
  .strictObject({
    account: accountLabel.optional(),
    symbol: symbol.optional(),
    status: z.enum(ORDER_STATUSES).optional(),
    side: z.enum(["buy", "sell"]).optional(),
    since: timeParam.optional(),
    until: timeParam.optional(),
    limit: intParam(1, 100).optional(),
    cursor: cursorParam.optional(),
    include_fills: boolParam.optional(),
  })
  .refine((o) => !o.since || !o.until || o.since < o.until, {
    path: ["until"],
    message: "must be after since",
  });
export type FetchOrdersInput = z.infer<typeof fetchOrdersInput>;

export const fetchPositionsInput = z.strictObject({
  account: accountLabel.optional(),
  symbol: symbol.optional(),
  status: z.enum(["open", "closed", "all"]).optional(),
  limit: intParam(1, 100).optional(),
  cursor: cursorParam.optional(),
  include_unrealized_pnl: boolParam.optional(),
});
export type FetchPositionsInput = z.infer<typeof fetchPositionsInput>;
