/**
 * Public market data as rest-api.md "Market Data endpoints" documents it: tickers for
 * `symbol`, `symbols` (a JSON array) or all, weighted by how many; exchangeInfo by
 * `symbolStatus` ("Exchange information", not with symbol/symbols).
 */
import assert from "node:assert/strict";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

type Req = { path: string; weight: number };

Deno.test({
  name: "tickers by symbols: only those, weighted as documented; duplicates are -1151",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const tickers = await t.exchange.fetchTickers(["BTC/USDT", "ETH/USDT"]);
      assert.deepEqual(Object.keys(tickers).sort(), ["BTC/USDT", "ETH/USDT"]);
      const log = await control<Req[]>(sim, "/__sim/requests");
      const last = log.at(-1)!;
      assert.equal(last.path, "/api/v3/ticker/24hr");
      assert.equal(last.weight, 2, "1-20 symbols weigh 2");
      const prices = await t.exchange.publicGetTickerPrice({ symbols: '["BTCUSDT","SOLUSDT"]' });
      assert.deepEqual(prices.map((p: { symbol: string }) => p.symbol), ["BTCUSDT", "SOLUSDT"]);
      const dup = await fetch(`${sim.url}/api/v3/ticker/price?symbols=["BTCUSDT","BTCUSDT"]`);
      assert.equal((await dup.json()).code, -1151);
      const unknown = await fetch(`${sim.url}/api/v3/ticker/price?symbols=["NOPEUSDT"]`);
      assert.equal((await unknown.json()).code, -1121);
    }),
});

Deno.test({
  name: "exchangeInfo by symbolStatus lists only symbols in that status",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      await control(sim, "/__sim/symbols/status", { symbol: "SOLUSDT", status: "HALT" });
      const res = await fetch(`${sim.url}/api/v3/exchangeInfo?symbolStatus=HALT`);
      const body = await res.json();
      assert.deepEqual(body.symbols.map((s: { symbol: string }) => s.symbol), ["SOLUSDT"]);
      const bad = await fetch(`${sim.url}/api/v3/exchangeInfo?symbolStatus=HALT&symbol=BTCUSDT`);
      assert.equal((await bad.json()).code, -1128);
      const invalid = await fetch(`${sim.url}/api/v3/exchangeInfo?symbolStatus=OPEN`);
      assert.equal((await invalid.json()).code, -1122);
    }),
});
