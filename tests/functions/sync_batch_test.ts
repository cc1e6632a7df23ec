/**
 * sync-orders asks Binance per account and symbol, not per order: an account with open orders
 * costs one open-orders read per symbol (weight 6), one order read per order that left the
 * book (weight 4) and one trades read per symbol with new fills (weight 20, rest-api.md
 * "Account trade list", startTime). Open orders that did not change cost nothing more.
 * BTC/FDUSD and ETH/BTC are moved by this test alone.
 */
import assert from "node:assert/strict";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import {
  callFunction,
  lastSimSeq,
  needsStack,
  newTrader,
  sim,
  simRequests,
  stackInfo,
  withSql,
} from "../helpers/stack.ts";

const buy = (symbol: string, amount: string, price: string) => ({
  symbol,
  side: "buy",
  type: "limit",
  amount,
  price,
});

Deno.test({
  name: "sync-orders settles an account per symbol: cost follows changes, not open orders",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    const t = await newTrader({ balances: { FDUSD: "100000", BTC: "2" } });
    const ids: Record<string, string> = {};
    for (const price of ["49900", "49800", "49700", "49600"]) {
      const res = await t.call("create-order", buy("BTC/FDUSD", "0.001", price));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids[price] = res.body.order.id;
    }
    for (const price of ["0.0599", "0.0598"]) {
      const res = await t.call("create-order", buy("ETH/BTC", "0.01", price));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids[price] = res.body.order.id;
    }
    // One order canceled on Binance directly, one filled: the product has not seen either.
    const direct = createBinance({
      endpoint: { environment: "live", baseUrl: info.binance_url },
      credentials: { apiKey: t.apiKey, secret: t.secret },
    });
    await direct.loadMarkets();
    await direct.cancelOrder(ids["0.0598"], "ETH/BTC");
    try {
      await sim("/__sim/prices", { symbol: "BTCFDUSD", price: "49750", level_quote: 1e7 });

      const since = await lastSimSeq();
      const res = await callFunction("sync-orders", info.service_role_key, {
        user_id: t.userId,
        min_age_seconds: 0,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.failed, 0, JSON.stringify(res.body));
      assert.equal(res.body.recorded, 3, "two fills and one cancel");
      assert.equal(res.body.unchanged, 3);
      const calls = (await simRequests(t.apiKey, since)).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(calls.sort(), [
        "GET /api/v3/myTrades",
        "GET /api/v3/openOrders",
        "GET /api/v3/openOrders",
        "GET /api/v3/order",
        "GET /api/v3/order",
        "GET /api/v3/order",
      ]);
      assert.equal(res.body.weight, 6 + 6 + 3 * 4 + 20);

      const rows = await withSql((sql) =>
        sql`select exchange_order_id, status, filled::text from public.orders
            where user_id = ${t.userId}`
      );
      const byId = new Map(rows.map((r) => [r.exchange_order_id, r]));
      assert.equal(byId.get(ids["49900"])?.status, "closed");
      assert.equal(byId.get(ids["49800"])?.status, "closed");
      assert.equal(byId.get(ids["49700"])?.status, "open");
      assert.equal(byId.get(ids["0.0598"])?.status, "canceled");
      const fills = await withSql((sql) =>
        sql`select count(*)::int as n from public.fills where user_id = ${t.userId}`
      );
      assert.equal(fills[0].n, 2);

      // Nothing changed since: one open-orders read per symbol, nothing else.
      const again = await callFunction("sync-orders", info.service_role_key, {
        user_id: t.userId,
        min_age_seconds: 0,
      });
      assert.equal(again.body.unchanged, 3);
      assert.equal(again.body.recorded, 0);
      assert.equal(again.body.weight, 6 + 6);
    } finally {
      await sim("/__sim/prices", { symbol: "BTCFDUSD", price: "50000" });
    }
  },
});
