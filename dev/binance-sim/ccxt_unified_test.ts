/**
 * Fidelity: ccxt's unified methods used by the product work against the simulator through
 * the product's own factory and parse into the values Binance's answers would give.
 */
import assert from "node:assert/strict";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

type Req = { method: string; path: string; signed: boolean; api_key: string | null };

Deno.test({
  name: "loadMarkets makes exactly one request and parses precision and limits",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const ex = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await ex.loadMarkets();
      const requests = await control<Req[]>(sim, "/__sim/requests");
      assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), [
        "GET /api/v3/exchangeInfo",
      ]);
      const btc = ex.market("BTC/USDT");
      assert.equal(btc.spot, true);
      assert.equal(btc.active, true);
      assert.equal(btc.precision.price, 0.01);
      assert.equal(btc.precision.amount, 0.00001);
      assert.equal(btc.limits.cost?.min, 5);
      assert.equal(btc.limits.amount?.min, 0.00001);
    }),
});

Deno.test({
  name: "the full catalogue lists over 1,000 spot symbols in a multi-megabyte exchangeInfo",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const res = await fetch(`${sim.url}/api/v3/exchangeInfo`);
      const text = await res.text();
      assert.ok(text.length > 2_000_000, `exchangeInfo is ${text.length} bytes`);
      const ex = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await ex.loadMarkets();
      assert.ok(Object.keys(ex.markets ?? {}).length >= 1000);
    }, "full"),
});

Deno.test({
  name: "createOrder market buy fills across book levels and charges commission in base",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // Thin book: each level holds ~0.02 BTC, so 0.05 BTC walks three levels.
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "50000", level_quote: 1000 });
      const o = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.05, undefined, {
        newClientOrderId: "fid-1",
      });
      assert.equal(o.status, "closed");
      assert.equal(o.clientOrderId, "fid-1");
      assert.equal(o.filled, 0.05);
      assert.ok((o.trades?.length ?? 0) >= 3, "fills across several levels");
      const prices = o.trades.map((x) => x.price ?? 0);
      assert.ok(prices[0] < prices[prices.length - 1], "each level is a worse price");
      assert.equal(o.trades[0].fee?.currency, "BTC");
      assert.ok(Math.abs((o.fee?.cost ?? 0) - 0.00005) < 1e-12);
      const bal = await t.exchange.fetchBalance();
      assert.ok(Math.abs((bal.BTC.free ?? 0) - (1 + 0.05 - 0.00005)) < 1e-9);
      assert.ok(Math.abs((bal.USDT.free ?? 0) - (100000 - (o.cost ?? 0))) < 1e-6);
    }),
});

Deno.test({
  name: "a market buy by quote amount uses quoteOrderQty and a sell pays commission in quote",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const buy = await t.exchange.createMarketBuyOrderWithCost("BTC/USDT", 100);
      assert.equal(buy.status, "closed");
      assert.ok((buy.cost ?? 0) <= 100 && (buy.cost ?? 0) > 99);
      const sell = await t.exchange.createOrder("BTC/USDT", "market", "sell", 0.01);
      assert.equal(sell.trades[0].fee?.currency, "USDT");
      const requests = await control<Req[]>(sim, "/__sim/requests");
      const body = requests.filter((r) => r.method === "POST");
      assert.equal(body.length, 2);
    }),
});

Deno.test({
  name: "a limit order rests, locks funds, fills on a price move, and cancel releases funds",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const resting = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.1, 40000, {
        newClientOrderId: "rest-1",
      });
      assert.equal(resting.status, "open");
      let bal = await t.exchange.fetchBalance();
      assert.equal(bal.USDT.used, 4000);
      const open = await t.exchange.fetchOpenOrders("BTC/USDT");
      assert.deepEqual(open.map((o) => o.id), [resting.id]);
      const byClient = await t.exchange.fetchOrder(undefined as unknown as string, "BTC/USDT", {
        origClientOrderId: "rest-1",
      });
      assert.equal(byClient.id, resting.id);

      const other = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.1, 30000);
      const canceled = await t.exchange.cancelOrder(other.id as string, "BTC/USDT");
      assert.equal(canceled.status, "canceled");
      await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "39999" });
      const filled = await t.exchange.fetchOrder(resting.id as string, "BTC/USDT");
      assert.equal(filled.status, "closed");
      assert.equal(filled.filled, 0.1);
      bal = await t.exchange.fetchBalance();
      assert.equal(bal.USDT.used, 0);
      assert.ok(Math.abs((bal.USDT.free ?? 0) - 96000) < 1e-6);
      const trades = await t.exchange.fetchMyTrades("BTC/USDT");
      assert.equal(trades.length, 1);
      assert.equal(trades[0].takerOrMaker, "maker");
      assert.equal(trades[0].order, resting.id);
    }),
});

Deno.test({
  name: "IOC and FOK limit orders never rest",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const ioc = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.1, 40000, {
        timeInForce: "IOC",
      });
      assert.equal(ioc.status, "expired");
      const fok = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 100, 60000, {
        timeInForce: "FOK",
      });
      assert.equal(fok.status, "expired");
      assert.equal(fok.filled, 0);
      assert.equal((await t.exchange.fetchOpenOrders("BTC/USDT")).length, 0);
    }),
});

Deno.test({
  name: "a client order id is unique among open orders and reusable once the order is final",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 40000, {
        newClientOrderId: "same",
      });
      await assert.rejects(
        () =>
          t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 40000, {
            newClientOrderId: "same",
          }),
        (e: Error) => /Duplicate order sent/.test(e.message),
      );
      const m1 = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
        newClientOrderId: "done",
      });
      const m2 = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
        newClientOrderId: "done",
      });
      assert.notEqual(m1.id, m2.id, "Binance accepts the id of a filled order again");
    }),
});

Deno.test({
  name: "fetchTicker, fetchTime and the order book answer like Binance",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const ticker = await t.exchange.fetchTicker("BTC/USDT");
      assert.ok((ticker.bid ?? 0) < (ticker.ask ?? 0));
      assert.equal(ticker.last, 50000);
      const time = await t.exchange.fetchTime();
      assert.ok(Math.abs((time ?? 0) - Date.now()) < 5000);
      const book = await t.exchange.fetchOrderBook("BTC/USDT", 5);
      assert.equal(book.bids.length, 5);
      const res = await fetch(`${sim.url}/api/v3/ping`);
      assert.equal(res.headers.get("x-mbx-used-weight-1m") !== null, true);
      await res.body?.cancel();
    }),
});
