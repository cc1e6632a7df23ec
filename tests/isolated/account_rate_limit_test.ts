/**
 * Binance's unfilled order count is per account (rest-api.md "Unfilled Order Count": "tracked
 * for each account"; errors.md -1015): one trader's burst backs off that trader's new orders
 * only. Runs alone because it lowers the simulator's order limit for everybody.
 */
import assert from "node:assert/strict";
import { lastSimSeq, needsStack, newTrader, sim, simRequests } from "../helpers/stack.ts";

const resting = {
  symbol: "BTC/USDT",
  side: "buy",
  type: "limit",
  amount: "0.001",
  price: "49500",
} as const;

Deno.test({
  name: "-1015 backs off that account's new orders only; its reads and other accounts go on",
  ...needsStack,
  async fn() {
    const a = await newTrader();
    const b = await newTrader();
    await sim("/__sim/limits", { orders_per_10s: 3, reset_windows: true });
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await a.call("create-order", resting);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
      }
      const limited = await a.call("create-order", resting);
      assert.equal(limited.status, 429, JSON.stringify(limited.body));
      assert.equal(limited.body.error.code, "RATE_LIMITED");
      assert.equal(limited.body.error.details?.exchange_code, -1015);

      // A's next order waits without asking Binance; A's reads go on.
      const since = await lastSimSeq();
      assert.equal((await a.call("create-order", resting)).status, 429);
      assert.equal((await simRequests(a.apiKey, since)).length, 0);
      assert.equal((await a.call("fetch-balance")).status, 200);

      // B has its own order count: it trades at once.
      const other = await b.call("create-order", resting);
      assert.equal(other.status, 200, JSON.stringify(other.body));
    } finally {
      await sim("/__sim/limits", { orders_per_10s: 100, reset_windows: true });
    }
  },
});
