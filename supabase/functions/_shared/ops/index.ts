/** Every function's operation, by function name (the local gateway serves them all). */
import type { Operation } from "../operation.ts";
import { createOrder } from "./create_order.ts";
import { cancelOrder, fetchOrder } from "./order_ops.ts";
import {
  fetchBalance,
  fetchMarkets,
  fetchMyTrades,
  fetchOpenOrders,
  fetchTicker,
} from "./reads.ts";
import { exchangeKeys } from "./exchange_keys.ts";
import { syncOrders } from "./sync_orders.ts";
import { fetchOrders } from "./fetch_orders.ts";
import { fetchPositions } from "./fetch_positions.ts";
import { streamFills } from "./stream_fills.ts";

export const operations: Record<string, Operation> = Object.fromEntries(
  [
    createOrder,
    cancelOrder,
    fetchOrder,
    fetchOpenOrders,
    fetchTicker,
    fetchBalance,
    fetchMyTrades,
    fetchMarkets,
    exchangeKeys,
    syncOrders,
    fetchOrders,
    fetchPositions,
    streamFills,
  ].map((op) => [op.name, op as Operation]),
);
