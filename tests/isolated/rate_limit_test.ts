/**
 * Rate limits hold every caller back (the back-off is shared by all isolates per
 * environment), so this file runs alone, after the parallel suite (dev/run_tests.ts).
 */
import assert from "node:assert/strict";
import { lastSimSeq, needsStack, newTrader, sim, simRequests, withSql } from "../helpers/stack.ts";

const order = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" } as const;

/** A fault on the next matching request signed with this trader's key only. */
async function fault(apiKey: string, kind: string, extra: Record<string, unknown> = {}) {
  await sim("/__sim/faults", { kind, count: 1, api_key: apiKey, ...extra });
}

async function rows(userId: string) {
  return await withSql((sql) => sql`select status from public.orders where user_id = ${userId}`);
}

Deno.test({
  name: "429 and 418 answer RATE_LIMITED with Retry-After and hold every caller back",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const other = await newTrader();
    await fault(t.apiKey, "rate_limit_429", {
      method: "POST",
      path: "/api/v3/order",
      retry_after: 2,
    });
    const res = await t.call("create-order", order);
    assert.equal(res.status, 429, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "RATE_LIMITED");
    assert.ok(Number(res.headers.get("retry-after")) >= 1);
    // The pending row was forgotten: the order never reached Binance.
    assert.equal((await rows(t.userId)).length, 0);
    // Another user is held back too, without a request to Binance.
    const held = await other.call("fetch-balance", {});
    assert.equal(held.status, 429);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await other.call("fetch-balance", {})).status, 200);

    await fault(t.apiKey, "ban_418", { retry_after: 1 });
    const banned = await t.call("fetch-balance", {});
    assert.equal(banned.status, 429);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await t.call("fetch-balance", {})).status, 200);
  },
});

Deno.test({
  name: "the shared back-off holds every path that calls Binance: ticker and key checks too",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const fresh = await newTrader({ saveKeys: false });
    // Another isolate recorded an IP-level back-off (rest-api.md "LIMITS": 418/429 -1003).
    await withSql((sql) =>
      sql`select trading.set_backoff('live', now() + interval '3 seconds', 'test')`
    );
    const since = await lastSimSeq();
    const ticker = await t.call("fetch-ticker", undefined, { query: { symbol: "BTC/USDT" } });
    assert.equal(ticker.status, 429, JSON.stringify(ticker.body));
    const keys = await fresh.call("exchange-keys", { api_key: fresh.apiKey, secret: fresh.secret });
    assert.equal(keys.status, 429, JSON.stringify(keys.body));
    assert.equal((await simRequests(fresh.apiKey, since)).length, 0, "Binance was not asked");
    assert.equal(
      (await sim<{ path: string }[]>(`/__sim/requests?since=${since}`))
        .filter((r) => r.path === "/api/v3/ticker/24hr").length,
      0,
    );
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(
      (await t.call("fetch-ticker", undefined, { query: { symbol: "BTC/USDT" } })).status,
      200,
    );
  },
});
