/**
 * No trader can block another: a revoked key, a heavy reader and a key saved twice each stay
 * that tenant's problem. Real HTTP, Postgres, ccxt and the simulator.
 */
import assert from "node:assert/strict";
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

const limit = (price: string) => ({
  symbol: "BTC/USDT",
  side: "buy",
  type: "limit",
  amount: "0.001",
  price,
});

Deno.test({
  name: "a revoked key fails its own account only: no back-off for anyone, sync skips it",
  ...needsStack,
  async fn() {
    const a = await newTrader();
    const b = await newTrader();
    // An open order of A's, so sync-orders has something of A's to look at.
    const open = await a.call("create-order", limit("49000"));
    assert.equal(open.status, 200, JSON.stringify(open.body));
    // A successful signed call first: after one, ccxt reports -2015 as DDoSProtection.
    assert.equal((await a.call("fetch-balance")).status, 200);

    await sim("/__sim/keys/revoke", { api_key: a.apiKey });
    // errors.md -2015: "Invalid API-key, IP, or permissions for action."
    const refused = await a.call("fetch-balance");
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "EXCHANGE_AUTH_FAILED");

    // Everyone else trades on at once: no environment back-off was recorded.
    const other = await b.call("create-order", { ...limit("49000") });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    assert.equal((await b.call("fetch-balance")).status, 200);

    // A's account is marked failed: A's next calls answer 403 without reaching Binance.
    const since = await lastSimSeq();
    const again = await a.call("fetch-open-orders", undefined, { query: { symbol: "BTC/USDT" } });
    assert.equal(again.status, 403);
    assert.equal((await simRequests(a.apiKey, since)).length, 0, "Binance was not asked again");
    const marked = await withSql((sql) =>
      sql`select key_status from public.exchange_accounts where user_id = ${a.userId}`
    );
    assert.deepEqual(marked.map((r) => r.key_status), ["failed"]);

    // sync-orders skips A's account and settles B's.
    const service = stackInfo().service_role_key;
    const syncA = await callFunction("sync-orders", service, { user_id: a.userId });
    assert.equal(syncA.status, 200);
    assert.equal(syncA.body.checked, 0, "the failed account is skipped");
    const syncB = await callFunction("sync-orders", service, { user_id: b.userId });
    assert.equal(syncB.status, 200);
    assert.equal(syncB.body.failed, 0, JSON.stringify(syncB.body));
    assert.equal((await simRequests(a.apiKey, since)).length, 0);

    // Saving a working key again clears the mark.
    await sim("/__sim/keys/restore", { api_key: a.apiKey });
    const resaved = await a.call("exchange-keys", { api_key: a.apiKey, secret: a.secret });
    assert.equal(resaved.status, 200, JSON.stringify(resaved.body));
    assert.equal((await a.call("fetch-balance")).status, 200);
  },
});

/** Waits out the end of a minute so a budget test stays inside one of Binance's windows. */
async function freshMinute() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
}

Deno.test({
  name: "a user over its request-weight budget gets 429; cancels still go through; others carry on",
  ...needsStack,
  async fn() {
    const a = await newTrader();
    const b = await newTrader();
    // 320 a minute for A: ordinary calls may use 320 - 120 (headroom) = 200; saving its key
    // took 20 (the key check).
    await withSql((sql) =>
      sql`insert into trading.weight_budget_overrides (user_id, per_minute)
          values (${a.userId}, 320)`
    );
    await freshMinute();
    const placed = await a.call("create-order", limit("49000")); // weight 1
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    // rest-api.md "Current open orders": weight 80 without a symbol.
    assert.equal((await a.call("fetch-open-orders")).status, 200); // 101
    assert.equal((await a.call("fetch-open-orders")).status, 200); // 181
    const since = await lastSimSeq();
    const over = await a.call("fetch-open-orders"); // 261 > 200
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.body.error.code, "RATE_LIMITED");
    assert.ok(Number(over.headers.get("retry-after")) >= 1);
    assert.equal((await simRequests(a.apiKey, since)).length, 0, "refused before Binance");

    // A cancel is a priority call: it may use the headroom.
    const canceled = await a.call("cancel-order", {
      symbol: "BTC/USDT",
      id: placed.body.order.id,
    });
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));

    // B's budget is B's own.
    assert.equal((await b.call("fetch-open-orders")).status, 200);
    assert.equal((await b.call("fetch-open-orders")).status, 200);
    assert.equal((await b.call("fetch-open-orders")).status, 200);
  },
});

Deno.test({
  name: "a Binance key saved by one user cannot be saved or probed by another",
  ...needsStack,
  async fn() {
    const a = await newTrader();
    const b = await newTrader({ saveKeys: false });
    const since = await lastSimSeq();
    const res = await b.call("exchange-keys", { api_key: a.apiKey, secret: a.secret });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, "api_key");
    assert.equal((await simRequests(a.apiKey, since)).length, 0, "Binance never saw the probe");
    // A saving it again under the same label (rotation) is fine; under a second label it is not.
    assert.equal(
      (await a.call("exchange-keys", { api_key: a.apiKey, secret: a.secret })).status,
      200,
    );
    const second = await a.call("exchange-keys", {
      api_key: a.apiKey,
      secret: a.secret,
      label: "again",
    });
    assert.equal(second.status, 400);
  },
});

Deno.test({
  name: "a user's exchange accounts are capped",
  ...needsStack,
  async fn() {
    const t = await newTrader({ saveKeys: false });
    const max = (await withSql((sql) =>
      sql`select max_accounts_per_user as n from trading.limits_settings`
    ))[0].n as number;
    let refused = 0;
    for (let i = 0; i <= max; i++) {
      const key = `MARKERKEY${crypto.randomUUID().replaceAll("-", "")}`;
      const secret = `MARKERSECRET${crypto.randomUUID().replaceAll("-", "")}`;
      await sim("/__sim/accounts", { api_key: key, secret, balances: { USDT: "10" } });
      const res = await t.call("exchange-keys", { api_key: key, secret, label: `k${i}` });
      if (res.status === 400) {
        refused++;
        assert.equal(res.body.error.field, "label");
      } else {
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    }
    assert.equal(refused, 1, `exactly the account past ${max} is refused`);
  },
});
