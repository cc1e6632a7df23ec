/**
 * Response schemas of every function: the contract callers rely on. The OpenAPI document
 * (docs/openapi.json) and the TypeScript client's types come from here; an end-to-end test
 * validates real responses against them.
 */
import { z } from "./vendor/zod.js";
import { ERROR_CODES } from "./errors.ts";

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/).describe("exact decimal");
const nullableDecimal = decimal.nullable();

export const orderView = z.object({
  id: z.string().nullable().describe("Binance's order id"),
  client_order_id: z.string().nullable(),
  symbol: z.string(),
  side: z.string(),
  type: z.string(),
  time_in_force: z.string().nullable(),
  status: z.string().describe("pending, open, closed, canceled, rejected or expired"),
  price: nullableDecimal,
  amount: nullableDecimal,
  quote_amount: nullableDecimal,
  filled: nullableDecimal,
  remaining: nullableDecimal,
  average: nullableDecimal,
  cost: nullableDecimal,
  fee: z.object({ cost: nullableDecimal, currency: z.string().nullable() }).nullable(),
  position_id: z.string().nullable(),
  error: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});

export const positionView = z.object({
  id: z.string(),
  symbol: z.string(),
  status: z.enum(["open", "closed"]),
  quantity: nullableDecimal,
  entry_price: nullableDecimal,
  realized_pnl: nullableDecimal,
  fees_quote: nullableDecimal,
  fees_base: nullableDecimal,
  fees_other: z.record(z.string(), z.string()),
  opened_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});

export const orderResult = z.object({
  order: orderView.nullable(),
  position: positionView.nullable(),
});

export const tradeView = z.object({
  id: z.string().nullable(),
  order_id: z.string().nullable(),
  symbol: z.string(),
  side: z.string().nullable(),
  price: nullableDecimal,
  amount: nullableDecimal,
  cost: nullableDecimal,
  fee: z.object({ cost: nullableDecimal, currency: z.string().nullable() }).nullable(),
  taker_or_maker: z.string().nullable(),
  timestamp: z.string().nullable(),
});

export const tickerView = z.object({
  symbol: z.string(),
  timestamp: z.string().nullable(),
  bid: nullableDecimal,
  ask: nullableDecimal,
  last: nullableDecimal,
  open: nullableDecimal,
  high: nullableDecimal,
  low: nullableDecimal,
  base_volume: nullableDecimal,
  quote_volume: nullableDecimal,
  change_percent: z.union([z.string(), z.number()]).nullable(),
});

export const balanceResult = z.object({
  account: z.string(),
  balances: z.record(z.string(), z.object({ free: decimal, used: decimal, total: decimal })),
});

export const marketView = z.object({
  symbol: z.string(),
  id: z.string(),
  base: z.string(),
  quote: z.string(),
  active: z.boolean(),
  precision: z.object({ amount: nullableDecimal, price: nullableDecimal }),
  limits: z.object({
    amount: z.object({ min: nullableDecimal, max: nullableDecimal }),
    price: z.object({ min: nullableDecimal, max: nullableDecimal }),
    cost: z.object({ min: nullableDecimal, max: nullableDecimal }),
  }),
});

export const accountMetadata = z.object({
  id: z.string(),
  label: z.string(),
  exchange: z.string(),
  environment: z.enum(["live", "testnet"]),
  key_hint: z.string().describe("last 4 characters of the API key"),
  permissions: z.record(z.string(), z.unknown()),
  is_default: z.boolean(),
  created_at: z.string(),
  rotated_at: z.string().nullable(),
  updated_at: z.string(),
}).loose();

export const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]),
    message: z.string(),
    retryable: z.boolean(),
    request_id: z.string(),
    field: z.string().optional(),
    retry_after: z.number().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const responses = {
  "create-order": orderResult,
  "cancel-order": orderResult,
  "fetch-order": orderResult,
  "fetch-open-orders": z.object({ orders: z.array(orderView) }),
  "fetch-ticker": tickerView,
  "fetch-balance": balanceResult,
  "fetch-my-trades": z.object({ trades: z.array(tradeView), fills_recorded: z.number() }),
  "fetch-markets": z.object({ count: z.number(), markets: z.array(marketView) }),
  "exchange-keys": z.union([
    z.object({ accounts: z.array(accountMetadata) }),
    z.object({ account: accountMetadata }),
    z.object({ removed: accountMetadata }),
  ]),
  "sync-orders": z.object({
    checked: z.number(),
    recorded: z.number(),
    unchanged: z.number(),
    not_received: z.number(),
    failed: z.number(),
    /** Left for the next run: this run's request-weight cap was reached. */
    deferred: z.number(),
    accounts: z.number(),
    /** Binance request weight this run used. */
    weight: z.number(),
    orders: z.array(z.object({
      client_order_id: z.string(),
      status: z.string(),
      result: z.enum(["recorded", "unchanged", "not_received", "failed", "deferred"]),
      error: z.string().optional(),
    })),
  }),
  "fetch-orders": z.lazy(() => fetchOrdersResult),
  "fetch-positions": z.lazy(() => fetchPositionsResult),
  // Started in the background (default), or the run's figures with `wait: true`.
  "stream-fills": z.union([
    z.object({ started: z.literal(true), run_seconds: z.number() }),
    z.object({
      accounts: z.number(),
      subscribed: z.number(),
      subscribe_refused: z.number(),
      terminated: z.number(),
      connections: z.number(),
      reconnects: z.number(),
      events: z.number(),
      reports: z.number(),
      applied: z.number(),
      duplicates: z.number(),
      stale: z.number(),
      gaps: z.number(),
      reconciled_orders: z.number(),
      errors: z.number(),
    }),
  ]),
} as const;

export type FunctionName = keyof typeof responses;
export type OrderView = z.infer<typeof orderView>;
export type PositionView = z.infer<typeof positionView>;
export type OrderResult = z.infer<typeof orderResult>;
export type ErrorBody = z.infer<typeof errorBody>;

// ---------------------------------------------------------------------------------------
// History reads from Postgres: fetch-orders and fetch-positions.

/** A stored order with the account it belongs to and, on request, its fills. */
export const historyOrderView = orderView.extend({
  account: z.string().describe("label of the exchange account"),
  fills: z.array(tradeView).optional().describe("only with include_fills"),
});

export const fetchOrdersResult = z.object({
  orders: z.array(historyOrderView),
  next_cursor: z.string().nullable().describe(
    "pass as `cursor` for the next page; null: last page",
  ),
});

export const historyPositionView = positionView.extend({
  account: z.string().describe("label of the exchange account"),
  current_price: nullableDecimal.optional().describe(
    "only with include_unrealized_pnl: Binance's last price (null if it could not be read)",
  ),
  unrealized_pnl: nullableDecimal.optional().describe(
    "only with include_unrealized_pnl: (current_price - entry_price) * quantity, in quote",
  ),
});

export const fetchPositionsResult = z.object({
  positions: z.array(historyPositionView),
  next_cursor: z.string().nullable().describe(
    "pass as `cursor` for the next page; null: last page",
  ),
});
