/**
 * Account endpoints (rest-api.md "Account Endpoints"): account information, open and all
 * orders, the trade list, commission rates, the unfilled order count; and the one wallet
 * endpoint the product reads, `GET /sapi/v1/account/apiRestrictions`.
 */
import { fmt } from "./catalogue.ts";
import { BinanceError } from "./errors.ts";
import { BNB_DISCOUNT, COMMISSION_RATE } from "./fees.ts";
import { intParam, type Params } from "./params.ts";
import { orderJson } from "./responses.ts";
import { symbolOf } from "./routes_market.ts";
import type { Route, SimState } from "./state.ts";

const DAY = 86_400_000;

/** rest-api.md "All orders" / "Account trade list": at most 24 hours between the two. */
function timeRange(p: Params) {
  const start = intParam(p, "startTime");
  const end = intParam(p, "endTime");
  if (start !== undefined && end !== undefined && end - start > DAY) {
    throw new BinanceError(400, -1127, "More than 24 hours between startTime and endTime.");
  }
  return { start: start ?? 0, end: end ?? Number.MAX_SAFE_INTEGER };
}

export function accountRoutes(state: SimState): Record<string, Route> {
  const { exchange } = state;
  return {
    "GET /api/v3/openOrders": {
      weight: (p) => (p.get("symbol") ? 6 : 80),
      signed: true,
      params: ["symbol"],
      handler: ({ params, account }) => {
        const symbol = params.get("symbol") ? symbolOf(exchange, params).spec.symbol : undefined;
        return exchange.openOrders(account!, symbol).map(orderJson);
      },
    },
    "GET /api/v3/allOrders": {
      weight: () => 20,
      signed: true,
      params: ["symbol", "orderId", "startTime", "endTime", "limit"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const limit = Math.min(intParam(params, "limit") ?? 500, 1000);
        const fromId = intParam(params, "orderId") ?? 0;
        const { start, end } = timeRange(params);
        return [...account!.orders.values()]
          .filter((o) => o.symbol === m.spec.symbol && o.orderId >= fromId)
          .filter((o) => o.time >= start && o.time <= end)
          .sort((a, b) => a.orderId - b.orderId)
          .slice(0, limit)
          .map(orderJson);
      },
    },
    "GET /api/v3/myTrades": {
      weight: (p) => (p.get("orderId") ? 5 : 20),
      signed: true,
      params: ["symbol", "orderId", "startTime", "endTime", "fromId", "limit"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const orderId = intParam(params, "orderId");
        const fromId = intParam(params, "fromId");
        const { start, end } = timeRange(params);
        // rest-api.md "Account trade list": the supported combinations of parameters.
        const timed = params.has("startTime") || params.has("endTime");
        if ((orderId !== undefined || fromId !== undefined) && timed) {
          throw new BinanceError(400, -1128, "Combination of optional parameters invalid.");
        }
        const limit = Math.min(intParam(params, "limit") ?? 500, 1000);
        let rows = exchange.tradesOf(account!).filter((t) => t.order.symbol === m.spec.symbol);
        if (orderId !== undefined) rows = rows.filter((t) => t.order.orderId === orderId);
        if (fromId !== undefined) rows = rows.filter((t) => t.fill.tradeId >= fromId);
        rows = rows.filter((t) => t.fill.time >= start && t.fill.time <= end);
        // rest-api.md "Account trade list": without fromId, the most recent trades.
        if (fromId === undefined && params.get("startTime") === null) rows = rows.slice(-limit);
        else rows = rows.slice(0, limit);
        return rows.map(({ order, fill }) => ({
          symbol: order.symbol,
          id: fill.tradeId,
          orderId: order.orderId,
          orderListId: -1,
          price: fmt(fill.price),
          qty: fmt(fill.qty),
          quoteQty: fmt(fill.price * fill.qty),
          commission: fmt(fill.commission),
          commissionAsset: fill.commissionAsset,
          time: fill.time,
          isBuyer: order.side === "BUY",
          isMaker: fill.maker,
          isBestMatch: true,
        }));
      },
    },
    "GET /api/v3/account": {
      weight: () => 20,
      signed: true,
      params: ["omitZeroBalances"],
      handler: ({ params, account }) => {
        const a = account!;
        const omitZero = params.get("omitZeroBalances") === "true";
        const rate = COMMISSION_RATE.toFixed(8);
        return {
          makerCommission: COMMISSION_RATE * 10_000,
          takerCommission: COMMISSION_RATE * 10_000,
          buyerCommission: 0,
          sellerCommission: 0,
          commissionRates: { maker: rate, taker: rate, buyer: fmt(0), seller: fmt(0) },
          canTrade: a.permissions.enableSpotAndMarginTrading,
          canWithdraw: a.permissions.enableWithdrawals,
          canDeposit: true,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: false,
          updateTime: Date.now(),
          accountType: "SPOT",
          balances: [...a.balances.entries()]
            .filter(([, b]) => !omitZero || b.free > 0 || b.locked > 0)
            .map(([asset, b]) => ({ asset, free: fmt(b.free), locked: fmt(b.locked) })),
          permissions: ["SPOT"],
          uid: a.uid,
        };
      },
    },
    // rest-api.md "Query Commission Rates".
    "GET /api/v3/account/commission": {
      weight: () => 20,
      signed: true,
      params: ["symbol"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const rate = COMMISSION_RATE.toFixed(8);
        const zero = { maker: fmt(0), taker: fmt(0), buyer: fmt(0), seller: fmt(0) };
        return {
          symbol: m.spec.symbol,
          standardCommission: { maker: rate, taker: rate, buyer: fmt(0), seller: fmt(0) },
          specialCommission: zero,
          taxCommission: zero,
          discount: {
            enabledForAccount: account!.bnbBurn,
            enabledForSymbol: true,
            discountAsset: "BNB",
            discount: BNB_DISCOUNT.toFixed(8),
          },
        };
      },
    },
    // rest-api.md "Query Unfilled Order Count".
    "GET /api/v3/rateLimit/order": {
      weight: () => 40,
      signed: true,
      params: [],
      handler: ({ account }) => state.limits.unfilledCounts(account!),
    },
    "GET /sapi/v1/account/apiRestrictions": {
      weight: () => 1,
      signed: true,
      params: [],
      handler: ({ account }) => {
        const a = account!;
        return {
          ipRestrict: a.permissions.ipRestrict,
          createTime: a.createTime,
          enableInternalTransfer: false,
          enableFutures: false,
          enablePortfolioMarginTrading: false,
          enableVanillaOptions: false,
          permitsUniversalTransfer: false,
          enableReading: a.permissions.enableReading,
          enableSpotAndMarginTrading: a.permissions.enableSpotAndMarginTrading,
          enableWithdrawals: a.permissions.enableWithdrawals,
          enableMargin: false,
          enableFixApiTrade: false,
          enableFixReadOnly: false,
        };
      },
    },
  };
}
