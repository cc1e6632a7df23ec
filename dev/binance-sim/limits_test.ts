/**
 * rest-api.md "LIMITS": request weight is counted per IP (-1003), new orders per account
 * (-1015, "Unfilled Order Count"), both HTTP 429 (ccxt: DDoSProtection);
 * faqs/order_count_decrement.md: orders that fill do not
 * count against the unfilled order limit, cancels do not give the count back.
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

/** A header of ccxt's last answer (ccxt keeps the server's capitalisation). */
const header = (ex: { last_response_headers?: Record<string, string> }, name: string) =>
  Object.entries(ex.last_response_headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
const count10s = (ex: { last_response_headers?: Record<string, string> }) =>
  Number(header(ex, "x-mbx-order-count-10s"));

Deno.test({
  name: "filled orders do not count against the unfilled order limit; resting ones do",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      await control(sim, "/__sim/limits", { orders_per_10s: 3, reset_windows: true });
      const t = await trader(sim);
      // faqs/order_count_decrement.md: +1 per new order, -1 at its first fill.
      for (let i = 0; i < 6; i++) {
        await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001);
        assert.equal(count10s(t.exchange), 0, "a filled market order leaves the count at 0");
      }
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const o = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000);
        ids.push(o.id as string);
        assert.equal(count10s(t.exchange), i + 1);
      }
      // Cancelling does not change the count (order_count_decrement.md).
      await t.exchange.cancelOrder(ids[0], "BTC/USDT");
      const err = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001)
        .then(() => undefined, (e: Error) => e);
      assert.ok(err instanceof ccxt.DDoSProtection, String(err));
      assert.match(err.message, /-1015/);
      const counts = await t.exchange.privateGetRateLimitOrder();
      assert.deepEqual(
        counts.map((c: { interval: string; count: number }) => [c.interval, c.count]),
        [["SECOND", 3], ["DAY", 3]],
      );
      // A resting order that fills later gives its place back.
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "40000" });
      const after = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001);
      assert.equal(after.status, "closed");
    }),
});

Deno.test({
  name: "-1015 is per account; -1003 is per IP, whatever the key",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      await control(sim, "/__sim/limits", { orders_per_10s: 1, reset_windows: true });
      const a = await trader(sim);
      const b = await trader(sim);
      await a.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000);
      await assert.rejects(
        () => a.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000),
        (e: Error) => e instanceof ccxt.DDoSProtection && /-1015/.test(e.message),
      );
      // Another account is not affected by a's unfilled orders.
      const other = await b.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000);
      assert.equal(other.status, "open");
      // Weight: a's requests use up the IP's minute; b is refused as well.
      const used = Number(header(b.exchange, "x-mbx-used-weight-1m"));
      await control(sim, "/__sim/limits", { weight_per_minute: used + 20 });
      await a.exchange.fetchBalance(); // weight 20
      const res = await b.exchange.fetchBalance().then(() => undefined, (e: Error) => e);
      assert.ok(res instanceof ccxt.DDoSProtection, String(res));
      assert.match(res.message, /-1003/);
      assert.match(res.message, /IP\(127\.0\.0\.1\)/);
    }),
});
