/**
 * The stream follower's ordering rules against the simulator's WebSocket API (in process),
 * with the database side replaced by a recorder: reports of one order are applied in the
 * order Binance executed them, a missing fill is waited for and then looked up over REST,
 * duplicates are applied once. End to end (real database): tests/functions/stream_fills_test.ts.
 */
import assert from "node:assert/strict";
import type { StreamAccount } from "../../supabase/functions/_shared/db.ts";
import { Follower } from "../../supabase/functions/_shared/stream/follower.ts";
import type { StreamEvent } from "../../supabase/functions/_shared/stream/ws_session.ts";
import { control, sanitize, trader, withSim } from "../../dev/binance-sim/test_helpers.ts";
import type { Simulator } from "../../dev/binance-sim/server.ts";

function harness(sim: Simulator, apiKey: string, secret: string) {
  const applied: StreamEvent[] = [];
  const lookedUp: string[] = [];
  const account: StreamAccount = {
    account: { id: "acc-1", label: "default", environment: "live", key_hint: "", permissions: {} },
    credentials: { api_key: apiKey, secret },
    key_version: "acc-1:1",
    backoff_until: null,
    orders: [],
  };
  const follower = new Follower({
    accounts: () => Promise.resolve([account]),
    // Never lapsed: only the ordering rules decide about REST look-ups here.
    cover: () => Promise.resolve([]),
    record: (_a, report) => {
      applied.push(report);
      return Promise.resolve({ filled: Number(report.z) });
    },
    reconcile: (_a, ref) => {
      lookedUp.push(String(ref.exchange_order_id));
      // REST has every fill Binance executed so far.
      const order = sim.exchange.accounts.get(apiKey)!.orders.get(Number(ref.exchange_order_id));
      return Promise.resolve({ filled: order?.executedQty ?? null });
    },
    backoff: () => Promise.resolve(),
    keyRefused: () => Promise.resolve(),
    wsUrl: () => sim.url.replace(/^http/, "ws") + "/ws-api/v3",
    log: { info: () => {}, warn: () => {} },
    now: () => Date.now(),
  }, { refreshMs: 200, gapWaitMs: 300 });
  return { follower, applied, lookedUp };
}

async function until(what: string, pred: () => boolean, ms = 8000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cumulative quantities of one order's applied reports never go back. */
function assertInOrder(applied: StreamEvent[], orderId: string) {
  const z = applied.filter((e) => String(e.i) === orderId).map((e) => Number(e.z));
  assert.deepEqual(z, [...z].sort((a, b) => a - b), `applied out of order: ${z}`);
}

Deno.test({
  name: "follower: reordered reports of one order are applied in execution order",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "1000000" });
      const h = harness(sim, t.api_key, t.secret);
      const run = h.follower.run(Date.now() + 20_000);
      await until("subscribed", () => h.follower.stats.subscribed === 1);
      await control(sim, "/__sim/prices", { symbol: "XRPUSDT", price: "0.5", level_quote: 20 });
      await control(sim, "/__sim/ws/faults", {
        kind: "reorder",
        event: "executionReport",
        count: 4,
      });
      const o = await t.exchange.createOrder("XRP/USDT", "limit", "buy", 300, 0.5003);
      await until("three fills applied", () =>
        h.applied.filter((e) => e.x === "TRADE" && String(e.i) === o.id).length === 3);
      assertInOrder(h.applied, o.id!);
      assert.equal(h.lookedUp.length, 0, "no REST look-up: the missing report came");
      assert.ok(h.follower.stats.gaps >= 1);
      h.follower.stop();
      await run;
    }),
});

Deno.test({
  name: "follower: a fill that does not come in time is looked up over REST, once",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "1000000" });
      const h = harness(sim, t.api_key, t.secret);
      const run = h.follower.run(Date.now() + 20_000);
      await until("subscribed", () => h.follower.stats.subscribed === 1);
      await control(sim, "/__sim/prices", { symbol: "XRPUSDT", price: "0.5", level_quote: 20 });
      // NEW and the first TRADE are held 2 s: the second and third wait for the first.
      await control(sim, "/__sim/ws/faults", {
        kind: "delay",
        event: "executionReport",
        count: 2,
        delay_ms: 2000,
      });
      const o = await t.exchange.createOrder("XRP/USDT", "limit", "buy", 300, 0.5003);
      await until("looked up", () => h.lookedUp.length === 1);
      assert.deepEqual(h.lookedUp, [o.id]);
      // The late reports, when they come, are older than what REST recorded: not applied.
      await until("late reports seen", () => h.follower.stats.stale >= 1, 5000);
      assertInOrder(h.applied, o.id!);
      assert.equal(h.applied.filter((e) => e.x === "TRADE").length, 0);
      h.follower.stop();
      await run;
    }),
});
