/**
 * The Binance secret leaves Postgres only when the function does not already hold it
 * (migration 20261125000800, ops/common.ts `withKnownKey` and `exchangeOf`). The functions run
 * in this process (dev/gateway.ts) so the test can watch what their database calls send and
 * receive.
 */
import assert from "node:assert/strict";
import { startGateway } from "../../dev/gateway.ts";
import { platformEnv } from "../../dev/stack.ts";
import type { AccountContext, Db } from "../../supabase/functions/_shared/db.ts";
import { exchangeOf } from "../../supabase/functions/_shared/ops/accounts.ts";
import type { OperationContext } from "../../supabase/functions/_shared/operation.ts";
import { needsStack, newTrader, sim, simRequests, stackInfo } from "../helpers/stack.ts";

interface Seen {
  call: string;
  knownKey: string | undefined;
  gotSecret: boolean;
}

/** Wraps the three calls that answer an account's key, recording each call. */
function watch(db: Db, seen: Seen[]) {
  const w = db as unknown as Record<string, (...args: unknown[]) => Promise<AccountContext>>;
  for (const [name, keyArg] of [["accountContext", 3], ["beginOrder", 5], ["findOrder", 5]]) {
    const original = w[name as string].bind(db);
    w[name as string] = async (...args: unknown[]) => {
      const answer = await original(...args);
      seen.push({
        call: name as string,
        knownKey: args[keyArg as number] as string | undefined,
        gotSecret: answer.credentials !== null,
      });
      return answer;
    };
  }
}

function inProcessGateway() {
  return startGateway({ port: 0, env: platformEnv(stackInfo()) });
}

async function post(url: string, token: string, name: string, body: unknown) {
  const res = await fetch(`${url}/functions/v1/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const BUY = { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" };

Deno.test({
  name: "the secret is sent once per key: warm orders and reads get it from the function's cache",
  ...needsStack,
  async fn() {
    const gateway = inProcessGateway();
    const seen: Seen[] = [];
    watch(gateway.deps.db, seen);
    try {
      const t = await newTrader();
      for (const step of [BUY, BUY]) {
        const res = await post(gateway.url, t.token, "create-order", step);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const balance = await post(gateway.url, t.token, "fetch-balance", {});
      assert.equal(balance.status, 200, JSON.stringify(balance.body));
      assert.deepEqual(seen.map((s) => [s.call, s.knownKey !== undefined, s.gotSecret]), [
        ["beginOrder", false, true], // first use in this isolate: the key comes
        ["beginOrder", true, false], // the function holds it: only the version comes
        ["accountContext", true, false], // a read of the same (default) account
      ]);

      // A new key for the account: the version the function holds is stale, the key comes,
      // and the order goes out signed with the new key.
      const other = await sim<{ api_key: string; secret: string }>("/__sim/accounts", {
        balances: { USDT: "10000" },
      });
      const saved = await post(gateway.url, t.token, "exchange-keys", {
        api_key: other.api_key,
        secret: other.secret,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      seen.length = 0;
      const after = await post(gateway.url, t.token, "create-order", BUY);
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.deepEqual(seen.map((s) => [s.call, s.knownKey !== undefined, s.gotSecret]), [
        ["beginOrder", true, true],
      ]);
      const sent = await simRequests(other.api_key);
      assert.ok(
        sent.some((r) => r.method === "POST" && r.path === "/api/v3/order"),
        "the order was signed with the new key",
      );
    } finally {
      await gateway.close();
    }
  },
});

Deno.test({
  name: "an answer without the secret whose instance left the cache asks for the key once more",
  ...needsStack,
  async fn() {
    const gateway = inProcessGateway();
    try {
      const t = await newTrader();
      const { deps } = gateway;
      const ctx = {
        deps,
        userId: t.userId,
        timings: { dbMs: 0, exchangeMs: 0 },
      } as unknown as OperationContext;
      // What begin_order answers when the caller named a version it no longer holds.
      const full = await deps.db.accountContext(t.userId, null);
      const withoutKey: AccountContext = { ...full, credentials: null };
      const exchange = await exchangeOf(ctx, withoutKey);
      assert.equal(exchange.apiKey, t.apiKey);
      assert.equal(deps.exchanges.knownKey(t.userId, null), undefined, "no owner noted here");
      assert.ok(deps.exchanges.cachedAccount(full.account.id, full.key_version));
      // An answer for an account that is not the one the label names now is refused.
      const stranger: AccountContext = {
        ...withoutKey,
        account: { ...full.account, id: crypto.randomUUID() },
        key_version: "none:1",
      };
      await assert.rejects(exchangeOf(ctx, stranger), /changed while the request ran/);
    } finally {
      await gateway.close();
    }
  },
});
