/**
 * What the database API (db.ts) answers and takes: rows as stored, account contexts, and the
 * `Db` interface the operations depend on. Types only.
 */

/** An order row as stored (`public.orders`); numerics arrive as decimal strings. */
export interface OrderRow {
  id: string;
  account_id: string;
  user_id: string;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  time_in_force: string | null;
  price: string | null;
  amount: string | null;
  quote_amount: string | null;
  filled: string | null;
  remaining: string | null;
  average: string | null;
  cost: string | null;
  fee_cost: string | null;
  fee_currency: string | null;
  status: "pending" | "open" | "closed" | "canceled" | "rejected" | "expired";
  error: Record<string, unknown> | null;
  /** Absent from record_order's and find_order's answers (only the database keeps it). */
  request?: Record<string, unknown> | null;
  position_id: string | null;
  created_at: string;
  updated_at: string;
  [column: string]: unknown;
}

export interface PositionRow {
  id: string;
  account_id: string;
  symbol: string;
  status: "open" | "closed";
  quantity: string;
  entry_price: string | null;
  realized_pnl: string;
  [column: string]: unknown;
}

export interface AccountInfo {
  id: string;
  label: string;
  environment: "live" | "testnet";
  key_hint: string;
  permissions: Record<string, unknown>;
  [column: string]: unknown;
}

/** An account's decrypted API key and secret: never logged, never returned. */
export interface Credentials {
  api_key: string;
  secret: string;
}

/** An account with its decrypted credentials: never logged, never returned. */
export interface AccountContext {
  account: AccountInfo;
  /** Null when the caller passed this `key_version` as the one it holds (migration 0800). */
  credentials: Credentials | null;
  /** The account id and when its key was saved: changes whenever the key or secret does. */
  key_version: string;
  /** The environment's back-off (IP-level limits), when one is in force. */
  backoff_until: string | null;
  /** This account's order-rate back-off (-1015), when one is in force. */
  account_backoff_until?: string | null;
}

/** Request weight to take from the budgets of the user and account (docs/LIMITS.md). */
export interface Weight {
  weight: number;
  /** Cancels and order lookups may use the headroom that ordinary requests leave. */
  priority?: boolean;
}

export interface BeginOrderResult extends AccountContext {
  order: OrderRow;
  created: boolean;
  matches: boolean;
  /** This request holds the submission lease and may send the order. */
  claimed: boolean;
  /** The order's position, when it has one. */
  position?: PositionRow | null;
}

export interface RecordResult {
  order: OrderRow | null;
  position: PositionRow | null;
}

export interface SyncBatch extends AccountContext {
  /** Batches always carry the key (no known version is passed for them). */
  credentials: Credentials;
  orders: OrderRow[];
}

/** An account stream-fills follows, with its unsettled orders (trading.accounts_to_stream). */
export interface StreamAccount extends AccountContext {
  /** Always carries the key (no known version is passed for it). */
  credentials: Credentials;
  orders: {
    client_order_id: string;
    exchange_order_id: string | null;
    symbol: string;
    status: string;
    filled: string | number | null;
  }[];
}

export interface Db {
  saveExchangeAccount(args: {
    userId: string;
    label: string;
    environment: string;
    apiKey: string;
    secret: string;
    permissions: Record<string, unknown>;
  }): Promise<AccountInfo>;
  deleteExchangeAccount(userId: string, label: string): Promise<AccountInfo | null>;
  listExchangeAccounts(userId: string): Promise<AccountInfo[]>;
  /** `knownKey`: the key version the caller holds; the answer then leaves the secret out. */
  accountContext(
    userId: string,
    label: string | null,
    weight?: Weight,
    knownKey?: string,
  ): Promise<AccountContext>;
  beginOrder(
    userId: string,
    label: string | null,
    clientOrderId: string,
    request: Record<string, unknown>,
    leaseSeconds: number,
    knownKey?: string,
  ): Promise<BeginOrderResult>;
  recordOrder(
    accountId: string,
    order: unknown | null,
    trades: unknown[],
    amountStep: string | null,
  ): Promise<RecordResult>;
  rejectOrder(accountId: string, clientOrderId: string, error: unknown): Promise<OrderRow | null>;
  /** Forgets a pending order that certainly never reached the exchange. */
  releaseOrder(accountId: string, clientOrderId: string): Promise<void>;
  findOrder(
    userId: string,
    label: string | null,
    exchangeOrderId: string | null,
    clientOrderId: string | null,
    weight?: Weight,
    knownKey?: string,
  ): Promise<AccountContext & { order: OrderRow | null; position: PositionRow | null }>;
  ordersToSync(userId: string | null, minAgeSeconds: number, limit: number): Promise<SyncBatch[]>;
  /** Records that sync-orders compared these orders (row ids) with Binance now. */
  markSynced(orderIds: string[]): Promise<void>;
  getMarkets(source: string, maxAgeSeconds: number): Promise<unknown[] | null>;
  putMarkets(source: string, markets: unknown[]): Promise<void>;
  setBackoff(environment: string, until: Date, reason: string): Promise<void>;
  /** Extends one account's order-rate back-off. */
  setAccountBackoff(accountId: string, until: Date): Promise<void>;
  /** Marks the account's key refused by Binance (reason: Binance's code and message). */
  markKeyFailed(accountId: string, reason: string): Promise<void>;
  /** Ends a pending order's submission lease: its request has answered. */
  endOrderLease(accountId: string, clientOrderId: string): Promise<void>;
  /** Raises unless the user may save this key under this label (before Binance sees it). */
  checkKeyAvailable(userId: string, label: string, apiKey: string): Promise<void>;
  /** The environment's back-off alone. */
  backoffState(environment: string): Promise<{ backoff_until: string | null }>;
  /** Takes weight from the user's budget; returns the environment's back-off. */
  reserveWeight(
    userId: string | null,
    environment: string,
    weight: number,
  ): Promise<{ backoff_until: string | null }>;
  accountsToStream(userId: string | null, limit: number): Promise<StreamAccount[]>;
  /** Renews the stream lease of these accounts; returns the ids whose lease had lapsed. */
  streamCover(accountIds: string[], until: Date): Promise<string[]>;
  close(): Promise<void>;
  /** A user's stored orders, newest first (fetch-orders); one row more than the limit. */
  listOrders(q: ListOrdersQuery): Promise<Record<string, unknown>[]>;
  /** A user's positions, newest first (fetch-positions); one row more than the limit. */
  listPositions(q: ListPositionsQuery): Promise<Record<string, unknown>[]>;
}

/** Filters of `trading.list_orders`; null means "any". */
export interface ListOrdersQuery {
  userId: string;
  label: string | null;
  symbol: string | null;
  status: string | null;
  side: string | null;
  since: string | null;
  until: string | null;
  cursorAt: string | null;
  cursorId: string | null;
  limit: number;
  withFills: boolean;
}

/** Filters of `trading.list_positions`; null means "any". */
export interface ListPositionsQuery {
  userId: string;
  label: string | null;
  status: string | null;
  symbol: string | null;
  cursorAt: string | null;
  cursorId: string | null;
  limit: number;
}
