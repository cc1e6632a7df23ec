/**
 * Exchange lifecycle: order ids only grow, also across a restarted simulator (Binance's ids
 * never repeat for an account), and symbol status (enums.md "Symbol status") set through
 * the control API gives Binance's answers (errors.md "Market is closed.").
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { startSimulator } from "./server.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

Deno.test({
  name: "order and trade ids never repeat for a key across a restarted simulator",
  ...sanitize,
  async fn() {
    const keys = { api_key: "restart-key", secret: "restart-secret-0123456789" };
    const run = async () => {
      const sim = await startSimulator({ port: 0, catalogue: "small" });
      try {
        await control(sim, "/__sim/accounts", { ...keys, balances: { USDT: "1000" } });
        const ex = createBinance({
          endpoint: { environment: "live", baseUrl: sim.url },
          credentials: { apiKey: keys.api_key, secret: keys.secret },
        });
        await ex.loadMarkets();
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) {
          const o = await ex.createOrder("BTC/USDT", "market", "buy", 0.001);
          ids.push(Number(o.id), Number(o.trades[0].id));
        }
        return ids;
      } finally {
        await sim.close();
      }
    };
    const first = await run();
    const second = await run();
    assert.ok(Math.min(...second) > Math.max(...first), `${first} then ${second}`);
    assert.ok(second.every(Number.isSafeInteger));
  },
});

Deno.test({
  name: "symbol status: BREAK and HALT refuse new orders; HALT refuses cancels too",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const resting = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 40000);
      const status = (s: string) =>
        control(sim, "/__sim/symbols/status", { symbol: "BTCUSDT", status: s });
      const closed = (e: Error) =>
        e instanceof ccxt.MarketClosed && /Market is closed/.test(e.message);

      await status("BREAK");
      const info = await t.exchange.publicGetExchangeInfo({ symbol: "BTCUSDT" });
      assert.equal(info.symbols[0].status, "BREAK");
      const reloaded = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await reloaded.loadMarkets();
      assert.equal(reloaded.market("BTC/USDT").active, false, "ccxt reads BREAK as inactive");
      await assert.rejects(
        () => t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001),
        closed,
      );

      await status("HALT");
      await assert.rejects(
        () => t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001),
        closed,
      );
      await assert.rejects(() => t.exchange.cancelOrder(resting.id as string, "BTC/USDT"), closed);
      // A halted market does not trade: a price move leaves the resting order alone.
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "39000" });
      assert.equal((await t.exchange.fetchOrder(resting.id as string, "BTC/USDT")).status, "open");

      await status("TRADING");
      const canceled = await t.exchange.cancelOrder(resting.id as string, "BTC/USDT");
      assert.equal(canceled.status, "canceled");
      const bad = await fetch(`${sim.url}/__sim/symbols/status`, {
        method: "POST",
        body: JSON.stringify({ symbol: "BTCUSDT", status: "CLOSED" }),
      });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
    }),
});
