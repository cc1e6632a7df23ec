/**
 * Trading endpoints (rest-api.md "Trading endpoints"): new order, test order, query and
 * cancel by orderId or origClientOrderId, cancel all on a symbol. Parameters are checked in
 * the order Binance documents them; filters in filters.ts, matching in matching.ts.
 */
import { BinanceError, err } from "./errors.ts";
import { BNB_DISCOUNT, COMMISSION_RATE } from "./fees.ts";
import { type Account, type Order, STP_MODES, type StpMode } from "./exchange.ts";
import { checkFilters } from "./filters.ts";
import { decimalParam, intParam, type Params } from "./params.ts";
import { newOrderJson, orderJson } from "./responses.ts";
import { symbolOf } from "./routes_market.ts";
import type { Ctx, Route, SimState } from "./state.ts";

/** fix-api.md "Client order ID" pattern, which Spot applies to every API. */
export const CLIENT_ORDER_ID = /^[a-zA-Z0-9-_]{1,36}$/;
const CLIENT_ORDER_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$";

const ORDER_PARAMS = [
  "symbol",
  "side",
  "type",
  "timeInForce",
  "quantity",
  "quoteOrderQty",
  "price",
  "newClientOrderId",
  "strategyId",
  "strategyType",
  "stopPrice",
  "trailingDelta",
  "icebergQty",
  "newOrderRespType",
  "selfTradePreventionMode",
  "pegPriceType",
  "pegOffsetValue",
  "pegOffsetType",
] as const;

/** Order types Binance has that the simulated symbols do not offer (errors.md messages). */
const UNSUPPORTED_TYPES: Record<string, string> = {
  STOP_LOSS: "Stop loss orders are not supported for this symbol.",
  STOP_LOSS_LIMIT: "Stop loss limit orders are not supported for this symbol.",
  TAKE_PROFIT: "Take profit orders are not supported for this symbol.",
  TAKE_PROFIT_LIMIT: "Take profit limit orders are not supported for this symbol.",
};

const notRequired = (p: Params, ...names: string[]) => {
  for (const n of names) if (p.get(n) !== null) throw err.notRequired(n);
};

const invalidData = (p: string) =>
  new BinanceError(400, -1130, `Data sent for parameter '${p}' is not valid.`);

/** Binance's generated client ids: 22 letters and digits. */
function generatedClientId() {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...crypto.getRandomValues(new Uint8Array(22))].map((b) => abc[b % abc.length]).join("");
}

function newOrder(state: SimState, ctx: Ctx, test: boolean) {
  const p = ctx.params;
  const m = symbolOf(state.exchange, p);
  const side = p.get("side");
  if (!side) throw err.mandatory("side");
  if (side !== "BUY" && side !== "SELL") throw new BinanceError(400, -1117, "Invalid side.");
  const type = p.get("type");
  if (!type) throw err.mandatory("type");
  if (UNSUPPORTED_TYPES[type]) throw err.rejected(UNSUPPORTED_TYPES[type]);
  if (type !== "MARKET" && type !== "LIMIT" && type !== "LIMIT_MAKER") {
    throw new BinanceError(400, -1116, "Invalid orderType.");
  }
  let quantity: number | undefined;
  let quoteOrderQty: number | undefined;
  let price: number | undefined;
  let timeInForce = "GTC";
  if (type === "MARKET") {
    // rest-api.md "New order": MARKET takes quantity or quoteOrderQty, not both.
    quantity = decimalParam(p, "quantity", false);
    quoteOrderQty = decimalParam(p, "quoteOrderQty", false);
    if (quantity === undefined && quoteOrderQty === undefined) {
      throw err.eitherOf("quantity", "quoteOrderQty");
    }
    if (quantity !== undefined && quoteOrderQty !== undefined) {
      throw err.notRequired("quoteOrderQty");
    }
    if (p.get("timeInForce") !== null) {
      throw new BinanceError(400, -1114, "TimeInForce parameter sent when not required.");
    }
    notRequired(p, "price", "icebergQty");
  } else {
    if (type === "LIMIT") {
      timeInForce = p.get("timeInForce") ?? "";
      if (!timeInForce) throw err.mandatory("timeInForce");
      if (!["GTC", "IOC", "FOK"].includes(timeInForce)) {
        throw new BinanceError(400, -1115, "Invalid timeInForce.");
      }
    } else if (p.get("timeInForce") !== null) {
      throw new BinanceError(400, -1114, "TimeInForce parameter sent when not required.");
    }
    quantity = decimalParam(p, "quantity");
    price = decimalParam(p, "price");
    notRequired(p, "quoteOrderQty");
  }
  // Stop and trailing orders are not offered (exchangeInfo orderTypes, allowTrailingStop).
  notRequired(p, "stopPrice", "trailingDelta");
  if (p.get("pegPriceType") !== null || p.get("pegOffsetValue") !== null) {
    throw err.rejected("Pegged orders are not supported for this symbol.");
  }
  const strategyType = intParam(p, "strategyType");
  if (strategyType !== undefined && strategyType < 1_000_000) {
    throw new BinanceError(400, -1134, "strategyType was less than 1000000.");
  }
  intParam(p, "strategyId");
  const icebergQty = decimalParam(p, "icebergQty", false);
  const respType = p.get("newOrderRespType") ?? "FULL";
  if (!["ACK", "RESULT", "FULL"].includes(respType)) throw invalidData("newOrderRespType");
  const stp = (p.get("selfTradePreventionMode") ?? "EXPIRE_MAKER") as StpMode;
  // exchangeInfo allowedSelfTradePreventionModes: NONE is not among them.
  if (!STP_MODES.includes(stp) || stp === "NONE") throw invalidData("selfTradePreventionMode");

  const sentId = p.get("newClientOrderId");
  if (sentId === "") throw new BinanceError(400, -1118, "New client order ID was empty.");
  const clientOrderId = sentId ?? generatedClientId();
  if (!CLIENT_ORDER_ID.test(clientOrderId)) {
    throw err.illegal("newClientOrderId", CLIENT_ORDER_ID_RANGE);
  }
  checkFilters(
    m,
    { type, side, quantity, quoteOrderQty, price, icebergQty },
    (mins) => state.exchange.avgPrice(m, mins),
  );
  if (icebergQty !== undefined) {
    // rest-api.md "New order", other info: an iceberg order must be GTC.
    if (timeInForce !== "GTC") throw err.rejected("Unsupported order combination");
    if (quantity !== undefined && icebergQty >= quantity) {
      throw err.rejected("IcebergQty exceeds QTY.");
    }
  }
  if (test) {
    if (m.status !== "TRADING") throw err.marketClosed();
    return p.get("computeCommissionRates") === "true" ? commissionForOrder(ctx.account!) : {};
  }
  const order = state.exchange.place(ctx.account!, {
    m,
    side,
    type,
    timeInForce,
    quantity,
    quoteOrderQty,
    price,
    clientOrderId,
    stp,
    icebergQty,
  });
  return newOrderJson(order, respType);
}

/** rest-api.md "Test new order" with computeCommissionRates. */
function commissionForOrder(account: Account) {
  const rate = COMMISSION_RATE.toFixed(8);
  const zero = "0.00000000";
  return {
    standardCommissionForOrder: { maker: rate, taker: rate },
    specialCommissionForOrder: { maker: zero, taker: zero },
    taxCommissionForOrder: { maker: zero, taker: zero },
    discount: {
      enabledForAccount: account.bnbBurn,
      enabledForSymbol: true,
      discountAsset: "BNB",
      discount: BNB_DISCOUNT.toFixed(8),
    },
  };
}

function orderRef(p: Params) {
  const orderId = intParam(p, "orderId");
  const clientId = p.get("origClientOrderId") ?? undefined;
  if (orderId === undefined && !clientId) throw err.eitherOf("origClientOrderId", "orderId");
  return { orderId, clientId };
}

/** enums.md "Symbol status": cancels are refused only while the market is halted. */
function checkCancelAllowed(state: SimState, symbol: string) {
  const status = state.exchange.market(symbol).status;
  if (status === "HALT" || status === "END_OF_DAY") throw err.cancelRejected("Market is closed.");
}

function cancelJson(o: Order, newClientOrderId: string | null) {
  const { time: _t, updateTime: _u, isWorking: _w, workingTime: _wt, ...rest } = orderJson(o);
  return {
    ...rest,
    origClientOrderId: o.clientOrderId,
    clientOrderId: newClientOrderId ?? generatedClientId(),
    transactTime: o.updateTime,
  };
}

export function tradeRoutes(state: SimState): Record<string, Route> {
  const { exchange } = state;
  return {
    "POST /api/v3/order": {
      weight: () => 1,
      signed: true,
      order: true,
      params: ORDER_PARAMS,
      handler: (ctx) => newOrder(state, ctx, false),
    },
    "POST /api/v3/order/test": {
      weight: (p) => (p.get("computeCommissionRates") === "true" ? 20 : 1),
      signed: true,
      params: [...ORDER_PARAMS, "computeCommissionRates"],
      handler: (ctx) => newOrder(state, ctx, true),
    },
    "GET /api/v3/order": {
      weight: () => 4,
      signed: true,
      params: ["symbol", "orderId", "origClientOrderId"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const ref = orderRef(params);
        return orderJson(exchange.findOrder(account!, m.spec.symbol, ref.orderId, ref.clientId));
      },
    },
    "DELETE /api/v3/order": {
      weight: () => 1,
      signed: true,
      params: ["symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const ref = orderRef(params);
        const restriction = params.get("cancelRestrictions");
        if (restriction !== null && !["ONLY_NEW", "ONLY_PARTIALLY_FILLED"].includes(restriction)) {
          throw new BinanceError(
            400,
            -1145,
            "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED.",
          );
        }
        let order: Order;
        try {
          order = exchange.findOrder(account!, m.spec.symbol, ref.orderId, ref.clientId);
        } catch (e) {
          // rest-api.md "Cancel order": an unknown order is -2011, not -2013.
          if (e instanceof BinanceError && e.code === -2013) throw err.unknownOrder();
          throw e;
        }
        checkCancelAllowed(state, m.spec.symbol);
        if (
          (restriction === "ONLY_NEW" && order.status !== "NEW") ||
          (restriction === "ONLY_PARTIALLY_FILLED" && order.status !== "PARTIALLY_FILLED")
        ) {
          throw err.cancelRejected("Order was not canceled due to cancel restrictions.");
        }
        exchange.cancel(account!, order);
        return cancelJson(order, params.get("newClientOrderId"));
      },
    },
    "DELETE /api/v3/openOrders": {
      weight: () => 1,
      signed: true,
      params: ["symbol"],
      handler: ({ params, account }) => {
        const m = symbolOf(exchange, params);
        const open = exchange.openOrders(account!, m.spec.symbol);
        if (open.length === 0) throw err.unknownOrder();
        checkCancelAllowed(state, m.spec.symbol);
        return open.map((o) => {
          exchange.cancel(account!, o);
          return { ...orderJson(o), origClientOrderId: o.clientOrderId };
        });
      },
    },
  };
}
