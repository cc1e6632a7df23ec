/** What a stream-fills run needs from the rest of the product, and what it reports. */
import type { StreamAccount } from "../db.ts";
import type { StreamEvent } from "./ws_session.ts";

/** An order to look up over REST (ids as stored; the symbol unified or Binance's id). */
export interface OrderRef {
  exchange_order_id: string | null;
  client_order_id: string | null;
  symbol: string;
}

export interface StreamLog {
  info(e: string, f?: Record<string, unknown>): void;
  warn(e: string, f?: Record<string, unknown>): void;
}

/** The database, REST, parsing and logs, as a run sees them. */
export interface FollowerDeps {
  accounts(): Promise<StreamAccount[]>;
  cover(accountIds: string[], until: Date): Promise<string[]>;
  /** Records one report (the unified order and, for a fill, its trade); returns filled. */
  record(account: StreamAccount, report: StreamEvent): Promise<{ filled: number | null }>;
  /** Looks an order up over REST and records it with its fills; returns its filled quantity. */
  reconcile(account: StreamAccount, order: OrderRef): Promise<{ filled: number | null }>;
  /** Records an IP-level limit (429/418) so that every path backs off (DESIGN.md). */
  backoff(environment: string, seconds: number, reason: string): Promise<void>;
  /** Marks an account whose key Binance refused (-2014/-2015/-1022/-1002) as failed. */
  keyRefused(account: StreamAccount, code: number): Promise<void>;
  wsUrl(environment: string): string;
  log: StreamLog;
  now(): number;
  webSocket?: (url: string) => WebSocket;
}

export interface RunStats {
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
}

export const emptyStats = (): RunStats => ({
  accounts: 0,
  subscribed: 0,
  subscribe_refused: 0,
  terminated: 0,
  connections: 0,
  reconnects: 0,
  events: 0,
  reports: 0,
  applied: 0,
  duplicates: 0,
  stale: 0,
  gaps: 0,
  reconciled_orders: 0,
  errors: 0,
});
