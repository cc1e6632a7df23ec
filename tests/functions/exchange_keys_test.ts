import assert from "node:assert/strict";
import { needsStack, newTrader, sim } from "../helpers/stack.ts";

Deno.test({
  name: "exchange-keys refuses a key that can withdraw and one that cannot trade",
  ...needsStack,
  async fn() {
    const withdraws = await newTrader({
      saveKeys: false,
      permissions: { enableWithdrawals: true },
    });
    const res = await withdraws.call("exchange-keys", {
      api_key: withdraws.apiKey,
      secret: withdraws.secret,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, "api_key");
    assert.match(res.body.error.message, /withdraw/);

    const readOnly = await newTrader({
      saveKeys: false,
      permissions: { enableSpotAndMarginTrading: false },
    });
    const ro = await readOnly.call("exchange-keys", {
      api_key: readOnly.apiKey,
      secret: readOnly.secret,
    });
    assert.equal(ro.status, 400);
    assert.match(ro.body.error.message, /trade/);
    const status = await readOnly.call("exchange-keys");
    assert.deepEqual(status.body.accounts, []);
  },
});

Deno.test({
  name: "exchange-keys refuses a wrong secret with 403 and never stores it",
  ...needsStack,
  async fn() {
    const t = await newTrader({ saveKeys: false });
    const res = await t.call("exchange-keys", { api_key: t.apiKey, secret: "x".repeat(64) });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "EXCHANGE_AUTH_FAILED");
    assert.deepEqual((await t.call("exchange-keys")).body.accounts, []);
  },
});

Deno.test({
  name: "exchange-keys status shows the hint and permissions, never the secret or full key",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("exchange-keys");
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(t.secret), "the secret is never returned");
    assert.ok(!text.includes(t.apiKey), "the full API key is never returned");
    assert.equal(res.body.accounts.length, 1);
    const [account] = res.body.accounts;
    assert.equal(account.key_hint, t.apiKey.slice(-4));
    assert.equal(account.permissions.enableWithdrawals, false);
    assert.equal(account.permissions.enableSpotAndMarginTrading, true);
  },
});

Deno.test({
  name: "exchange-keys rotates a key and removes it",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const other = await sim<{ api_key: string; secret: string }>("/__sim/accounts", {
      balances: { USDT: "5" },
    });
    const rotated = await t.call("exchange-keys", { api_key: other.api_key, secret: other.secret });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.account.key_hint, other.api_key.slice(-4));
    const balance = await t.call("fetch-balance", {});
    assert.equal(Number(balance.body.balances.USDT.free), 5, "the rotated key is used");

    const removed = await t.call("exchange-keys", {}, { method: "DELETE" });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const after = await t.call("fetch-balance", {});
    assert.equal(after.status, 409);
    assert.equal(after.body.error.code, "CREDENTIALS_MISSING");
  },
});
