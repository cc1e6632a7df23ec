/**
 * fetch-positions asks Binance for at most one ticker per symbol.
 * It counts the simulator's ticker requests, which any parallel test could add to: this file
 * runs alone, after the parallel suite (dev/run_tests.ts).
 */
import assert from "node:assert/strict";
import {
  lastSimSeq,
  MARKER_KEY,
  MARKER_SECRET,
  needsStack,
  newTrader,
  sim,
} from "../helpers/stack.ts";

async function tickerRequestsSince(seq: number): Promise<number> {
  const all = await sim<{ seq: number; path: string }[]>(`/__sim/requests?since=${seq}`);
  // rest-api.md "24hr ticker price change statistics": what ccxt's fetchTicker calls.
  return all.filter((r) => r.seq > seq && r.path.startsWith("/api/v3/ticker")).length;
}

Deno.test({
  name: "fetch-positions: one ticker request per symbol, shared by the accounts holding it",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // A second account of the same user, holding the same symbol.
    const hex = () => crypto.randomUUID().replaceAll("-", "");
    const key = MARKER_KEY + hex();
    const secret = MARKER_SECRET + hex();
    await sim("/__sim/accounts", { api_key: key, secret, balances: { USDT: "1000" } });
    const saved = await t.call("exchange-keys", { api_key: key, secret, label: "spare" });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));

    const buy = (account: string, symbol: string) =>
      t.call("create-order", { symbol, side: "buy", type: "market", cost: "20", account });
    for (const [account, symbol] of [["default", "XRP/USDT"], ["spare", "XRP/USDT"]]) {
      const res = await buy(account, symbol);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const doge = await buy("default", "DOGE/USDT");
    assert.equal(doge.status, 200, JSON.stringify(doge.body));

    const before = await lastSimSeq();
    const res = await t.call("fetch-positions", { include_unrealized_pnl: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.positions.length, 3);
    assert.ok(res.body.positions.every((p: { unrealized_pnl: string }) => p.unrealized_pnl));
    assert.equal(await tickerRequestsSince(before), 2, "XRP/USDT once for two accounts, DOGE once");

    const xrp = res.body.positions.filter((p: { symbol: string }) => p.symbol === "XRP/USDT");
    assert.deepEqual(xrp.map((p: { account: string }) => p.account).sort(), ["default", "spare"]);
    assert.equal(xrp[0].current_price, xrp[1].current_price);

    // Without the flag: no price, no request.
    const plain = await t.call("fetch-positions", {});
    assert.equal(plain.body.positions[0].current_price, undefined);
  },
});
