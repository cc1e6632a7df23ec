/**
 * Account views (supabase/functions/_shared/exchange/binance.ts `accountView`): many accounts
 * served from one shared instance must each sign with their own key, keep their own
 * per-account ccxt state, and never use the shared instance's (absent) credentials.
 */
import assert from "node:assert/strict";
import { accountView, createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { control, sanitize, withSim } from "./test_helpers.ts";

type Req = { method: string; path: string; signed: boolean; api_key: string | null };

Deno.test({
  name: "concurrent orders from views of one instance each reach Binance under their own key",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const shared = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await shared.loadMarkets();
      const accounts = await Promise.all(
        Array.from({ length: 6 }, () =>
          control<{ api_key: string; secret: string }>(sim, "/__sim/accounts", {
            balances: { USDT: "100000", BTC: "1" },
          })),
      );
      const views = accounts.map((a) =>
        accountView(shared, { apiKey: a.api_key, secret: a.secret })
      );
      const orders = await Promise.all(
        views.map((v, i) =>
          v.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, {
            newClientOrderId: `view-${i}`,
          })
        ),
      );
      const requests = await control<(Req & { body?: string; query?: string })[]>(
        sim,
        "/__sim/requests",
      );
      const posts = requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order");
      assert.equal(posts.length, 6);
      assert.deepEqual(
        new Set(posts.map((r) => r.api_key)),
        new Set(accounts.map((a) => a.api_key)),
      );
      // Each account's own simulator book holds exactly its own order.
      for (const [i, a] of accounts.entries()) {
        const book = await control<{ orders: { clientOrderId: string }[] }>(
          sim,
          `/__sim/accounts/${a.api_key}`,
        );
        assert.deepEqual(book.orders.map((o) => o.clientOrderId), [`view-${i}`]);
        assert.equal(orders[i].clientOrderId, `view-${i}`);
      }
      // Markets are the shared instance's, not copies.
      assert.equal(views[0].markets, shared.markets);
      // Per-account state stays on the view.
      assert.equal(views[0].options["hasAlreadyAuthenticatedSuccessfully"], true);
      assert.notEqual(shared.options["hasAlreadyAuthenticatedSuccessfully"], true);
      views[1].options["timeDifference"] = 1234;
      assert.notEqual(views[2].options["timeDifference"], 1234);
      assert.equal(shared.apiKey, undefined);
    }),
});

Deno.test({
  name: "the shared instance alone cannot sign: a view is needed for private calls",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const shared = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
      await shared.loadMarkets();
      const view = accountView(shared, { apiKey: "wrong", secret: "wrong" });
      await assert.rejects(shared.fetchBalance(), ccxt.AuthenticationError);
      // A view with unknown keys is refused by Binance (-2014/-2015), as its own request.
      await assert.rejects(view.fetchBalance(), ccxt.AuthenticationError);
    }),
});
