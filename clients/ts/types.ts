// Generated from the functions' zod schemas by `deno task openapi` (clients/ts_types.ts).
// Do not edit. Self-contained: no imports.

/** Every error code the functions answer with. */
export type ErrorCode =
  | "VALIDATION_ERROR"
  | "BAD_SYMBOL"
  | "UNAUTHORIZED"
  | "EXCHANGE_AUTH_FAILED"
  | "ORDER_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CREDENTIALS_MISSING"
  | "IDEMPOTENCY_CONFLICT"
  | "REQUEST_TIMEOUT"
  | "PAYLOAD_TOO_LARGE"
  | "INSUFFICIENT_FUNDS"
  | "INVALID_ORDER"
  | "RATE_LIMITED"
  | "EXCHANGE_UNAVAILABLE"
  | "EXCHANGE_TIMEOUT"
  | "INTERNAL";

export const ERROR_CODES: readonly ErrorCode[] = [
  "VALIDATION_ERROR",
  "BAD_SYMBOL",
  "UNAUTHORIZED",
  "EXCHANGE_AUTH_FAILED",
  "ORDER_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CREDENTIALS_MISSING",
  "IDEMPOTENCY_CONFLICT",
  "REQUEST_TIMEOUT",
  "PAYLOAD_TOO_LARGE",
  "INSUFFICIENT_FUNDS",
  "INVALID_ORDER",
  "RATE_LIMITED",
  "EXCHANGE_UNAVAILABLE",
  "EXCHANGE_TIMEOUT",
  "INTERNAL",
];

/** Binance Spot's pattern for client order ids (and idempotency keys used as them). */
export const CLIENT_ORDER_ID_PATTERN = /^[a-zA-Z0-9-_]{1,36}$/;

export type ErrorBody = {
  error: {
    code:
      | "VALIDATION_ERROR"
      | "BAD_SYMBOL"
      | "UNAUTHORIZED"
      | "EXCHANGE_AUTH_FAILED"
      | "ORDER_NOT_FOUND"
      | "METHOD_NOT_ALLOWED"
      | "CREDENTIALS_MISSING"
      | "IDEMPOTENCY_CONFLICT"
      | "REQUEST_TIMEOUT"
      | "PAYLOAD_TOO_LARGE"
      | "INSUFFICIENT_FUNDS"
      | "INVALID_ORDER"
      | "RATE_LIMITED"
      | "EXCHANGE_UNAVAILABLE"
      | "EXCHANGE_TIMEOUT"
      | "INTERNAL";
    message: string;
    retryable: boolean;
    request_id: string;
    field?: string;
    retry_after?: number;
    details?: Record<string, unknown>;
  };
};

export type CreateOrderInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  amount?: number | string;
  cost?: number | string;
  price?: number | string;
  time_in_force?: "GTC" | "IOC" | "FOK";
  /** Pattern: `^[a-zA-Z0-9_-]{1,36}$` */
  client_order_id?: string;
  /** Pattern: `^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$` */
  position_id?: string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type CancelOrderInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol: string;
  /** Pattern: `^\d{1,20}$` */
  id?: string;
  /** Pattern: `^[a-zA-Z0-9_-]{1,36}$` */
  client_order_id?: string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type FetchOrderInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol: string;
  /** Pattern: `^\d{1,20}$` */
  id?: string;
  /** Pattern: `^[a-zA-Z0-9_-]{1,36}$` */
  client_order_id?: string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type FetchOpenOrdersInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol?: string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type FetchTickerInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol: string;
};

export type FetchBalanceInput = {
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type FetchMyTradesInput = {
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol: string;
  since?: number | string;
  limit?: number | string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
};

export type FetchMarketsInput = {
  /** Pattern: `^[A-Z0-9]{1,20}$` */
  quote?: string;
  /** Pattern: `^[A-Z0-9]{1,20}$` */
  base?: string;
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol?: string;
};

export type FetchOrdersInput = {
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol?: string;
  status?: "pending" | "open" | "closed" | "canceled" | "rejected" | "expired";
  side?: "buy" | "sell";
  since?: number | string;
  until?: number | string;
  limit?: number | string;
  /** Pattern: `^[A-Za-z0-9_-]{1,200}$` */
  cursor?: string;
  include_fills?: boolean | "true" | "false";
};

export type FetchPositionsInput = {
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  account?: string;
  /** Pattern: `^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$` */
  symbol?: string;
  status?: "open" | "closed" | "all";
  limit?: number | string;
  /** Pattern: `^[A-Za-z0-9_-]{1,200}$` */
  cursor?: string;
  include_unrealized_pnl?: boolean | "true" | "false";
};

export type SaveKeysInput = {
  /** Pattern: `^[A-Za-z0-9]{16,128}$` */
  api_key: string;
  /** Pattern: `^[A-Za-z0-9]{16,128}$` */
  secret: string;
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  label?: string;
  environment?: "live" | "testnet";
};

export type RemoveKeysInput = {
  /** Pattern: `^[A-Za-z0-9 _.-]{1,64}$` */
  label?: string;
};

export type SyncOrdersInput = {
  all_users?: boolean | "true" | "false";
  min_age_seconds?: number | string;
  limit?: number | string;
};

/** Answer of create-order. */
export type CreateOrderResult = {
  order: {
    /** Binance's order id */
    id: string | null;
    client_order_id: string | null;
    symbol: string;
    side: string;
    type: string;
    time_in_force: string | null;
    /** pending, open, closed, canceled, rejected or expired */
    status: string;
    price: string | null;
    amount: string | null;
    quote_amount: string | null;
    filled: string | null;
    remaining: string | null;
    average: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    position_id: string | null;
    error: Record<string, unknown> | null;
    created_at: string | null;
    updated_at: string | null;
  } | null;
  position: {
    id: string;
    symbol: string;
    status: "open" | "closed";
    quantity: string | null;
    entry_price: string | null;
    realized_pnl: string | null;
    fees_quote: string | null;
    fees_base: string | null;
    fees_other: Record<string, string>;
    opened_at: string | null;
    closed_at: string | null;
    updated_at: string | null;
  } | null;
};

/** Answer of cancel-order. */
export type CancelOrderResult = {
  order: {
    /** Binance's order id */
    id: string | null;
    client_order_id: string | null;
    symbol: string;
    side: string;
    type: string;
    time_in_force: string | null;
    /** pending, open, closed, canceled, rejected or expired */
    status: string;
    price: string | null;
    amount: string | null;
    quote_amount: string | null;
    filled: string | null;
    remaining: string | null;
    average: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    position_id: string | null;
    error: Record<string, unknown> | null;
    created_at: string | null;
    updated_at: string | null;
  } | null;
  position: {
    id: string;
    symbol: string;
    status: "open" | "closed";
    quantity: string | null;
    entry_price: string | null;
    realized_pnl: string | null;
    fees_quote: string | null;
    fees_base: string | null;
    fees_other: Record<string, string>;
    opened_at: string | null;
    closed_at: string | null;
    updated_at: string | null;
  } | null;
};

/** Answer of fetch-order. */
export type FetchOrderResult = {
  order: {
    /** Binance's order id */
    id: string | null;
    client_order_id: string | null;
    symbol: string;
    side: string;
    type: string;
    time_in_force: string | null;
    /** pending, open, closed, canceled, rejected or expired */
    status: string;
    price: string | null;
    amount: string | null;
    quote_amount: string | null;
    filled: string | null;
    remaining: string | null;
    average: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    position_id: string | null;
    error: Record<string, unknown> | null;
    created_at: string | null;
    updated_at: string | null;
  } | null;
  position: {
    id: string;
    symbol: string;
    status: "open" | "closed";
    quantity: string | null;
    entry_price: string | null;
    realized_pnl: string | null;
    fees_quote: string | null;
    fees_base: string | null;
    fees_other: Record<string, string>;
    opened_at: string | null;
    closed_at: string | null;
    updated_at: string | null;
  } | null;
};

/** Answer of fetch-open-orders. */
export type FetchOpenOrdersResult = {
  orders: ({
    /** Binance's order id */
    id: string | null;
    client_order_id: string | null;
    symbol: string;
    side: string;
    type: string;
    time_in_force: string | null;
    /** pending, open, closed, canceled, rejected or expired */
    status: string;
    price: string | null;
    amount: string | null;
    quote_amount: string | null;
    filled: string | null;
    remaining: string | null;
    average: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    position_id: string | null;
    error: Record<string, unknown> | null;
    created_at: string | null;
    updated_at: string | null;
  })[];
};

/** Answer of fetch-ticker. */
export type FetchTickerResult = {
  symbol: string;
  timestamp: string | null;
  bid: string | null;
  ask: string | null;
  last: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  base_volume: string | null;
  quote_volume: string | null;
  change_percent: string | number | null;
};

/** Answer of fetch-balance. */
export type FetchBalanceResult = {
  account: string;
  balances: Record<string, {
    /** exact decimal. Pattern: `^-?\d+(\.\d+)?$` */
    free: string;
    /** exact decimal. Pattern: `^-?\d+(\.\d+)?$` */
    used: string;
    /** exact decimal. Pattern: `^-?\d+(\.\d+)?$` */
    total: string;
  }>;
};

/** Answer of fetch-my-trades. */
export type FetchMyTradesResult = {
  trades: ({
    id: string | null;
    order_id: string | null;
    symbol: string;
    side: string | null;
    price: string | null;
    amount: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    taker_or_maker: string | null;
    timestamp: string | null;
  })[];
  fills_recorded: number;
};

/** Answer of fetch-markets. */
export type FetchMarketsResult = {
  count: number;
  markets: ({
    symbol: string;
    id: string;
    base: string;
    quote: string;
    active: boolean;
    precision: {
      amount: string | null;
      price: string | null;
    };
    limits: {
      amount: {
        min: string | null;
        max: string | null;
      };
      price: {
        min: string | null;
        max: string | null;
      };
      cost: {
        min: string | null;
        max: string | null;
      };
    };
  })[];
};

/** Answer of exchange-keys. */
export type ExchangeKeysResult = {
  accounts: ({
    id: string;
    label: string;
    exchange: string;
    environment: "live" | "testnet";
    /** last 4 characters of the API key */
    key_hint: string;
    permissions: Record<string, unknown>;
    is_default: boolean;
    created_at: string;
    rotated_at: string | null;
    updated_at: string;
    [key: string]: unknown;
  })[];
} | {
  account: {
    id: string;
    label: string;
    exchange: string;
    environment: "live" | "testnet";
    /** last 4 characters of the API key */
    key_hint: string;
    permissions: Record<string, unknown>;
    is_default: boolean;
    created_at: string;
    rotated_at: string | null;
    updated_at: string;
    [key: string]: unknown;
  };
} | {
  removed: {
    id: string;
    label: string;
    exchange: string;
    environment: "live" | "testnet";
    /** last 4 characters of the API key */
    key_hint: string;
    permissions: Record<string, unknown>;
    is_default: boolean;
    created_at: string;
    rotated_at: string | null;
    updated_at: string;
    [key: string]: unknown;
  };
};

/** Answer of sync-orders. */
export type SyncOrdersResult = {
  checked: number;
  recorded: number;
  unchanged: number;
  not_received: number;
  failed: number;
  deferred: number;
  accounts: number;
  weight: number;
  orders: ({
    client_order_id: string;
    status: string;
    result: "recorded" | "unchanged" | "not_received" | "failed" | "deferred";
    error?: string;
  })[];
};

/** Answer of fetch-orders. */
export type FetchOrdersResult = {
  orders: ({
    /** Binance's order id */
    id: string | null;
    client_order_id: string | null;
    symbol: string;
    side: string;
    type: string;
    time_in_force: string | null;
    /** pending, open, closed, canceled, rejected or expired */
    status: string;
    price: string | null;
    amount: string | null;
    quote_amount: string | null;
    filled: string | null;
    remaining: string | null;
    average: string | null;
    cost: string | null;
    fee: {
      cost: string | null;
      currency: string | null;
    } | null;
    position_id: string | null;
    error: Record<string, unknown> | null;
    created_at: string | null;
    updated_at: string | null;
    /** label of the exchange account */
    account: string;
    /** only with include_fills */
    fills?: ({
      id: string | null;
      order_id: string | null;
      symbol: string;
      side: string | null;
      price: string | null;
      amount: string | null;
      cost: string | null;
      fee: {
        cost: string | null;
        currency: string | null;
      } | null;
      taker_or_maker: string | null;
      timestamp: string | null;
    })[];
  })[];
  /** pass as `cursor` for the next page; null: last page */
  next_cursor: string | null;
};

/** Answer of fetch-positions. */
export type FetchPositionsResult = {
  positions: ({
    id: string;
    symbol: string;
    status: "open" | "closed";
    quantity: string | null;
    entry_price: string | null;
    realized_pnl: string | null;
    fees_quote: string | null;
    fees_base: string | null;
    fees_other: Record<string, string>;
    opened_at: string | null;
    closed_at: string | null;
    updated_at: string | null;
    /** label of the exchange account */
    account: string;
    /** only with include_unrealized_pnl: Binance's last price (null if it could not be read) */
    current_price?: string | null;
    /** only with include_unrealized_pnl: (current_price - entry_price) * quantity, in quote */
    unrealized_pnl?: string | null;
  })[];
  /** pass as `cursor` for the next page; null: last page */
  next_cursor: string | null;
};

/** Answer of stream-fills. */
export type StreamFillsResult = {
  started: true;
  run_seconds: number;
} | {
  accounts: number;
  subscribed: number;
  subscribe_refused: number;
  terminated: number;
  connections: number;
  reconnects: number;
  events: number;
  reports: number;
  applied: number;
  duplicates: number;
  stale: number;
  gaps: number;
  reconciled_orders: number;
  errors: number;
};

/** An order as the functions return it. */
export type OrderView = NonNullable<CreateOrderResult["order"]>;
/** A position as the functions return it. */
export type PositionView = NonNullable<CreateOrderResult["position"]>;
/** A stored order as fetch-orders lists it. */
export type HistoryOrder = FetchOrdersResult["orders"][number];
/** A position as fetch-positions lists it. */
export type HistoryPosition = FetchPositionsResult["positions"][number];
/** A fill as fetch-my-trades (and fetch-orders with include_fills) return it. */
export type TradeView = FetchMyTradesResult["trades"][number];
/** A saved key's metadata. */
export type AccountMetadata = Extract<
  ExchangeKeysResult,
  { accounts: unknown }
>["accounts"][number];
