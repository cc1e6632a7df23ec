/**
 * Control API: server errors as Binance sends them (`server_error` faults) and revoked API
 * keys, seen through real ccxt built by the product's factory.
 */
import assert from "node:assert/strict";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";

type SimAccount = { orders: { clientOrderId: string; status: string }[] };

Deno.test({
  name: "server_error: Binance's JSON 5xx body, nothing executed unless asked",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      // rest-api.md "HTTP Return Codes": 5xx is Binance's side, execution status unknown;
      // errors.md -1006 UNEXPECTED_RESP is the default code.
      await control(sim, "/__sim/faults", {
        kind: "server_error",
        status: 500,
        method: "POST",
        path: "/api/v3/order",
        api_key: t.api_key,
      });
      const err = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
        newClientOrderId: "five-hundred",
      }).then(() => undefined, (e: Error) => e);
      assert.ok(err instanceof ccxt.BaseError, "the order call fails");
      assert.match(err.message, /"code":-1006/);
      assert.match(err.message, /Execution status unknown/);
      // What ccxt 4.5.84 makes of it (the product must treat this as ambiguous itself):
      // OperationFailed, which is neither a NetworkError nor an ExchangeError.
      assert.ok(err instanceof ccxt.OperationFailed);
      assert.ok(!(err instanceof ccxt.NetworkError));
      const acct = await control<SimAccount>(sim, `/__sim/accounts/${t.api_key}`);
      assert.equal(acct.orders.length, 0, "execute: false leaves no order");
    }),
});

Deno.test({
  name: "server_error with execute: the order exists although the answer was a 5xx",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await control(sim, "/__sim/faults", {
        kind: "server_error",
        status: 503,
        code: -1007,
        execute: true,
        path: "/api/v3/order",
        api_key: t.api_key,
      });
      // errors.md -1007 TIMEOUT: "execution status unknown"; ccxt maps it to RequestTimeout.
      await assert.rejects(
        () =>
          t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 49_900, {
            newClientOrderId: "executed-then-503",
          }),
        ccxt.RequestTimeout,
      );
      const found = await t.exchange.fetchOrder(undefined as unknown as string, "BTC/USDT", {
        origClientOrderId: "executed-then-503",
      });
      assert.equal(found.status, "open", "the order was placed before the error");
      const id = found.id as string;
      // A cancel that executes, then fails: the order is cancelled all the same.
      await control(sim, "/__sim/faults", {
        kind: "server_error",
        status: 502,
        code: -1001,
        execute: true,
        method: "DELETE",
        path: "/api/v3/order",
        api_key: t.api_key,
      });
      await assert.rejects(() => t.exchange.cancelOrder(id, "BTC/USDT"), ccxt.BaseError);
      const after = await t.exchange.fetchOrder(id, "BTC/USDT");
      assert.equal(after.status, "canceled");
    }),
});

Deno.test({
  name: "server_error bodies: text and empty 5xx answers become ccxt's HTTP-status errors",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const fault = (status: number, body: string) =>
        control(sim, "/__sim/faults", {
          kind: "server_error",
          status,
          body,
          api_key: t.api_key,
        });
      await fault(502, "text");
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.ExchangeNotAvailable);
      await fault(503, "empty");
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.ExchangeNotAvailable);
      await fault(504, "text");
      await assert.rejects(() => t.exchange.fetchBalance(), ccxt.RequestTimeout);
      // The raw answer: Binance's JSON shape with the code and message given.
      await control(sim, "/__sim/faults", {
        kind: "server_error",
        status: 500,
        code: -1000,
        msg: "custom",
        path: "/api/v3/ping",
      });
      const res = await fetch(`${sim.url}/api/v3/ping`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { code: -1000, msg: "custom" });
      const bad = await fetch(`${sim.url}/__sim/faults`, {
        method: "POST",
        body: JSON.stringify({ kind: "server_error", status: 501 }),
      });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /status/);
      // Used up: the next ping is fine.
      assert.equal(await fetch(`${sim.url}/api/v3/ping`).then((r) => r.text(), () => ""), "{}");
    }),
});

Deno.test({
  name: "keys/revoke: every signed request gets 401 -2015 until keys/restore",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      await t.exchange.fetchBalance(); // this instance has authenticated once
      await control(sim, "/__sim/keys/revoke", { api_key: t.api_key });
      // errors.md -2015: invalid API key, IP, or permissions.
      const fresh = createBinance({
        endpoint: { environment: "live", baseUrl: sim.url },
        credentials: { apiKey: t.api_key, secret: t.secret },
      });
      fresh.setMarketsFromExchange(t.exchange);
      await assert.rejects(() => fresh.fetchBalance(), (e: Error) =>
        e instanceof ccxt.AuthenticationError && /-2015/.test(e.message));
      // ccxt quirk: an instance that has authenticated before reads -2015 as a temporary
      // ban (DDoSProtection), so callers must not rely on the class alone.
      await assert.rejects(() =>
        t.exchange.fetchBalance(), ccxt.DDoSProtection);
      const log = await control<{ path: string; status: number }[]>(sim, "/__sim/requests");
      assert.deepEqual(log.slice(-2).map((r) => r.status), [401, 401]);
      // Public endpoints do not look at the key.
      await fresh.fetchTicker("BTC/USDT");
      await control(sim, "/__sim/keys/restore", { api_key: t.api_key });
      const bal = await fresh.fetchBalance();
      assert.equal(bal.USDT.free, 100000);
      const unknown = await fetch(`${sim.url}/__sim/keys/revoke`, {
        method: "POST",
        body: JSON.stringify({ api_key: "nope" }),
      });
      assert.equal(unknown.status, 400);
      await unknown.body?.cancel();
    }),
});
