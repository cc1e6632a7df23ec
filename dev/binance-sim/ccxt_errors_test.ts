/**
 * Fidelity: Binance's errors, as the simulator sends them, surface in ccxt as the exception
 * classes they would from api.binance.com; signatures, timestamps and limits are enforced.
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import {
  binanceUrlsFor,
  createBinance,
} from "../../supabase/functions/_shared/exchange/binance.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

Deno.test({
  name: "Binance's order errors surface as the same ccxt classes as on api.binance.com",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "10" });
      const ex = t.exchange;
      await assert.rejects(
        () => ex.createOrder("BTC/USDT", "market", "buy", 1),
        ccxt.InsufficientFunds,
      );
      await assert.rejects(
        () => ex.createOrder("BTC/USDT", "limit", "buy", 0.000001, 100, {}),
        ccxt.InvalidOrder,
      );
      await assert.rejects(() => ex.fetchOrder("999999", "BTC/USDT"), ccxt.OrderNotFound);
      await assert.rejects(() => ex.cancelOrder("999999", "BTC/USDT"), ccxt.OrderNotFound);
      // A symbol ccxt knows but Binance does not list any more: -1121.
      await assert.rejects(
        () => ex.publicGetTickerPrice({ symbol: "NOPEUSDT" }),
        ccxt.BadSymbol,
      );
    }),
});

Deno.test({
  name: "a wrong secret fails with AuthenticationError, an unknown key with -2015",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const wrong = createBinance({
        endpoint: { environment: "live", baseUrl: sim.url },
        credentials: { apiKey: t.api_key, secret: "0".repeat(64) },
      });
      wrong.setMarketsFromExchange(t.exchange);
      await assert.rejects(() => wrong.fetchBalance(), (e: Error) =>
        e instanceof ccxt.AuthenticationError && /-1022/.test(e.message));
      const unknown = createBinance({
        endpoint: { environment: "live", baseUrl: sim.url },
        credentials: { apiKey: "nope".repeat(16), secret: t.secret },
      });
      unknown.setMarketsFromExchange(t.exchange);
      await assert.rejects(() =>
        unknown.fetchBalance(), (e: Error) =>
        e instanceof ccxt.AuthenticationError && /-2015/.test(e.message));
    }),
});

Deno.test({
  name: "an old timestamp fails with InvalidNonce and a resync fixes it",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      t.exchange.options["timeDifference"] = 20_000; // our clock 20 s behind
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.InvalidNonce);
      await t.exchange.loadTimeDifference();
      const bal = await t.exchange.fetchBalance();
      assert.equal(bal.USDT.free, 100000);
    }),
});

Deno.test({
  name:
    "ccxt maps errors by URL: the factory's subclass keeps Binance's spot map for the simulator",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // -1131 is in ccxt's *spot* map only (BadRequest). A plain binance instance pointed at
      // another host falls back to the generic map and raises a bare ExchangeError.
      const plain = new ccxt.binance({ apiKey: t.api_key, secret: t.secret });
      plain.urls["api"] = { ...plain.urls["api"], ...binanceUrlsFor(sim.url) };
      plain.setMarketsFromExchange(t.exchange);
      const params = { recvWindow: 70000 };
      await assert.rejects(() => t.exchange.fetchBalance(params), ccxt.BadRequest);
      await assert.rejects(
        () => plain.fetchBalance(params),
        (e: Error) => e.constructor === ccxt.ExchangeError,
      );
    }),
});

Deno.test({
  name: "limits: 429 with Retry-After past the weight limit, then a 418 ban",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      await control(sim, "/__sim/limits", {
        weight_per_minute: 10,
        ban_after_429s: 1,
        ban_seconds: 60,
        reset_windows: true,
      });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 14; i++) {
        const res = await fetch(`${sim.url}/api/v3/ping`);
        statuses.push(res.status);
        if (res.status === 429) retryAfter ??= res.headers.get("retry-after");
        await res.body?.cancel();
      }
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
      assert.equal(statuses[10], 429);
      assert.ok(Number(retryAfter) > 0);
      assert.equal(statuses[13], 418);
      const ex = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await assert.rejects(() => ex.fetchTime(), ccxt.DDoSProtection);
    }),
});

Deno.test({
  name: "injected faults: 5xx, 429, reset and an order executed behind a timeout",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const fault = (kind: string, extra: Record<string, unknown> = {}) =>
        control(sim, "/__sim/faults", { kind, count: 1, ...extra });
      await fault("http_503");
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.ExchangeNotAvailable);
      await fault("rate_limit_429", { retry_after: 3 });
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.DDoSProtection);
      assert.equal(
        t.exchange.last_response_headers?.["retry-after"] ??
          t.exchange.last_response_headers?.["Retry-After"],
        "3",
      );
      await fault("reset");
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.NetworkError);
      t.exchange.timeout = 500;
      await fault("timeout_after_execute", {
        method: "POST",
        path: "/api/v3/order",
        latency_ms: 1500,
      });
      await assert.rejects(
        () =>
          t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
            newClientOrderId: "lost-answer",
          }),
        ccxt.RequestTimeout,
      );
      t.exchange.timeout = 10_000;
      const found = await t.exchange.fetchOrder(undefined as unknown as string, "BTC/USDT", {
        origClientOrderId: "lost-answer",
      });
      assert.equal(found.status, "closed", "the order executed although no answer came");
    }),
});
