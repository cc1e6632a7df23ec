/**
 * Parameters as Binance reads them: unknown or misspelled ones are -1104 (errors.md
 * "-1104 UNREAD_PARAMETERS"); client order ids follow `^[a-zA-Z0-9-_]{1,36}$` (fix-api.md
 * "Client order ID"); orderId and origClientOrderId naming different orders is -2039
 * (rest-api.md "Query order" / "Cancel order", errors.md -2039).
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { sanitize, signedFetch, trader, withSim } from "./test_helpers.ts";

const code = (c: number) => (e: Error) => e instanceof ccxt.BaseError && e.message.includes(`${c}`);

Deno.test({
  name: "-1104: a misspelled or unknown parameter is refused, signed or not",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const misspelled = await signedFetch(sim, t, "POST", "/api/v3/order", {
        symbol: "BTCUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "0.001",
        newOrderRespTyp: "FULL",
      });
      assert.equal(misspelled.status, 400);
      assert.equal(misspelled.body.code, -1104);
      // symbol, side, type, quantity, timestamp, signature were read; the typo was not.
      assert.match(String(misspelled.body.msg), /read '6' parameter\(s\) but was sent '7'/);
      await assert.rejects(
        () =>
          t.exchange.privatePostOrder({
            symbol: "BTCUSDT",
            side: "BUY",
            type: "MARKET",
            quantitty: "1",
          }),
        (e: Error) => e instanceof ccxt.BadRequest && /-1104/.test(e.message),
      );
      await assert.rejects(
        () => t.exchange.publicGetTickerPrice({ symbol: "BTCUSDT", sybmol: "ETHUSDT" }),
        code(-1104),
      );
      const res = await fetch(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=5&foo=1`);
      assert.equal(res.status, 400);
      assert.equal((await res.json()).code, -1104);
      // Nothing was placed by the refused order.
      assert.equal((await t.exchange.fetchOpenOrders("BTC/USDT")).length, 0);
      assert.equal((await t.exchange.fetchClosedOrders("BTC/USDT")).length, 0);
    }),
});

Deno.test({
  name: "newClientOrderId: letters, digits, - and _ only, 1 to 36 characters",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const place = (id: string) =>
        t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
          newClientOrderId: id,
        });
      for (const bad of ["has.dot", "has:colon", "has/slash", "x".repeat(37), "space d"]) {
        await assert.rejects(() => place(bad), code(-1100), bad);
      }
      const ok = await place("A-z_09-" + "y".repeat(29));
      assert.equal(ok.clientOrderId?.length, 36);
      // Generated when not sent (ccxt always sends one; a raw request shows Binance's own).
      const raw = await signedFetch(sim, t, "POST", "/api/v3/order", {
        symbol: "BTCUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "0.001",
      });
      assert.equal(raw.status, 200);
      assert.match(String(raw.body.clientOrderId), /^[a-zA-Z0-9]{22}$/);
    }),
});

Deno.test({
  name: "-2039: orderId and origClientOrderId that name different orders",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const a = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000, {
        newClientOrderId: "order-a",
      });
      await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000, {
        newClientOrderId: "order-b",
      });
      const both = { orderId: a.id, origClientOrderId: "order-b" };
      await assert.rejects(
        () => t.exchange.privateGetOrder({ symbol: "BTCUSDT", ...both }),
        code(-2039),
      );
      await assert.rejects(
        () => t.exchange.privateDeleteOrder({ symbol: "BTCUSDT", ...both }),
        code(-2039),
      );
      // Matching pair: found, and cancelled.
      const found = await t.exchange.privateGetOrder({
        symbol: "BTCUSDT",
        orderId: a.id,
        origClientOrderId: "order-a",
      });
      assert.equal(found.clientOrderId, "order-a");
      const open = await t.exchange.fetchOpenOrders("BTC/USDT");
      assert.equal(open.length, 2, "the refused cancel cancelled nothing");
    }),
});

Deno.test({
  name: "history reads: at most 24 hours between startTime and endTime; documented combinations",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const o = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001);
      const now = Date.now();
      // rest-api.md "Account trade list" and "All orders", Notes.
      const day = 86_400_000;
      for (const path of ["/api/v3/myTrades", "/api/v3/allOrders"]) {
        const wide = await signedFetch(sim, t, "GET", path, {
          symbol: "BTCUSDT",
          startTime: String(now - day - 1000),
          endTime: String(now),
        });
        assert.equal(wide.body.code, -1127, path);
        const ok = await signedFetch(sim, t, "GET", path, {
          symbol: "BTCUSDT",
          startTime: String(now - day + 1000),
          endTime: String(now + 1000),
        });
        assert.equal(ok.status, 200, path);
      }
      const combo = await signedFetch(sim, t, "GET", "/api/v3/myTrades", {
        symbol: "BTCUSDT",
        orderId: String(o.id),
        startTime: String(now - 1000),
      });
      assert.equal(combo.body.code, -1128);
      const byOrder = await t.exchange.fetchMyTrades("BTC/USDT", undefined, undefined, {
        orderId: o.id,
      });
      assert.equal(byOrder.length, 1);
    }),
});

Deno.test({
  name: "timestamp in microseconds is read as such (rest-api.md General API Information)",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const micros = await signedFetch(sim, t, "GET", "/api/v3/account", {
        timestamp: String(Date.now() * 1000),
      });
      assert.equal(micros.status, 200);
      const old = await signedFetch(sim, t, "GET", "/api/v3/account", {
        timestamp: String((Date.now() - 10_000) * 1000),
      });
      assert.equal(old.body.code, -1021);
    }),
});
