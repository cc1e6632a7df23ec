/**
 * Many users ordering at once, bounded in time and requests: no 5xx, and for every account
 * the database (fills, position) agrees with the exchange's balances to the last unit.
 */
import assert from "node:assert/strict";
import { needsStack, newTrader, sim, type Trader, withSql } from "../helpers/stack.ts";

const USERS = 32;
const SECONDS = 8;
const MAX_REQUESTS = 2000;

Deno.test({
  name: `${USERS} users ordering concurrently for ${SECONDS} s: no 5xx, books balance`,
  ...needsStack,
  async fn() {
    const traders: Trader[] = [];
    for (let i = 0; i < USERS; i++) traders.push(await newTrader({ balances: { USDT: "10000" } }));
    const deadline = Date.now() + SECONDS * 1000;
    let sent = 0;
    const statuses = new Map<number, number>();
    await Promise.all(traders.map(async (t, i) => {
      for (let n = 0; Date.now() < deadline && sent < MAX_REQUESTS; n++) {
        sent++;
        // Buys and smaller sells, market and limit, on two symbols.
        const sell = n % 3 === 2;
        const limit = n % 4 === 1;
        const res = await t.call("create-order", {
          symbol: i % 2 ? "BTC/USDT" : "ETH/USDT",
          side: sell ? "sell" : "buy",
          type: limit ? "limit" : "market",
          amount: i % 2 ? "0.0005" : "0.005",
          ...(limit ? { price: sell ? (i % 2 ? "99000" : "9900") : "1000" } : {}),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }));
    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    assert.equal(fivexx, 0, `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(200) ?? 0) > USERS, "orders went through");

    let checked = 0;
    for (const t of traders) {
      const account = await sim<{ balances: Record<string, { free: string; locked: string }> }>(
        `/__sim/accounts/${t.apiKey}`,
      );
      const [db] = await withSql((sql) =>
        sql`select
          coalesce(sum(case when side = 'buy' then amount - case when fee_currency = split_part(symbol, '/', 1) then fee_cost else 0 end
                            else -amount end) filter (where symbol like ${"%"}), 0)::text as base_net,
          coalesce(sum(case when side = 'buy' then -cost else cost - coalesce(fee_cost, 0) end), 0)::text as quote_net,
          min(symbol) as symbol
          from public.fills where user_id = ${t.userId}`
      );
      const base = (db.symbol ?? "BTC/USDT").split("/")[0];
      const exchangeBase = Number(account.balances[base]?.free ?? 0) +
        Number(account.balances[base]?.locked ?? 0);
      const exchangeQuote = Number(account.balances.USDT.free) +
        Number(account.balances.USDT.locked);
      assert.equal(Number(db.base_net).toFixed(8), exchangeBase.toFixed(8), `${t.userId} base`);
      assert.equal(
        (10000 + Number(db.quote_net)).toFixed(6),
        exchangeQuote.toFixed(6),
        `${t.userId} quote`,
      );
      checked++;
    }
    assert.equal(checked, USERS);
    console.log(
      `load: ${sent} requests from ${USERS} users in ${SECONDS} s: ${
        JSON.stringify([...statuses])
      }`,
    );
  },
});
