/**
 * The simulator's WebSocket API against Binance's documentation (web-socket-api.md,
 * user-data-stream.md), driven through a plain WebSocket and real ccxt orders over REST.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { control, sanitize, trader, withSim } from "./test_helpers.ts";
import type { Simulator } from "./server.ts";

// deno-lint-ignore no-explicit-any
type Frame = Record<string, any>;

/** A WebSocket API session that keeps every frame it received. */
async function session(sim: Simulator) {
  const ws = new WebSocket(sim.url.replace(/^http/, "ws") + "/ws-api/v3");
  const frames: Frame[] = [];
  let closed = false;
  ws.onmessage = (m) => frames.push(JSON.parse(m.data));
  ws.onclose = () => closed = true;
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const waitFor = async (pred: (f: Frame) => boolean, what: string, ms = 5000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const found = frames.find(pred);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(frames).slice(0, 800)}`);
  };
  const request = async (method: string, params?: Record<string, unknown>) => {
    const id = `r${nextId++}`;
    ws.send(JSON.stringify({ id, method, params }));
    return await waitFor((f) => f.id === id, `answer to ${method}`);
  };
  const subscribe = (apiKey: string, secret: string, extra: Record<string, unknown> = {}) => {
    const params: Record<string, unknown> = { apiKey, timestamp: Date.now(), ...extra };
    const payload = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join("&");
    params.signature = createHmac("sha256", secret).update(payload).digest("hex");
    return request("userDataStream.subscribe.signature", params);
  };
  const events = (subId: number, e?: string) =>
    frames.filter((f) => f.subscriptionId === subId && f.event && (!e || f.event.e === e))
      .map((f) => f.event);
  return {
    ws,
    frames,
    waitFor,
    request,
    subscribe,
    events,
    isClosed: () => closed,
    close: () => ws.close(),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

Deno.test({
  name: "ws-api: signed subscribe, then NEW, FILLED and the balances of a crossed limit order",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const s = await session(sim);
      try {
        // web-socket-api.md "userDataStream.subscribe.signature": result {subscriptionId}.
        const sub = await s.subscribe(t.api_key, t.secret);
        assert.equal(sub.status, 200, JSON.stringify(sub));
        const subId = sub.result.subscriptionId;
        assert.equal(typeof subId, "number");

        const order = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 20000);
        await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "19999" });
        await s.waitFor((f) => f.event?.X === "FILLED", "FILLED report");
        const reports = s.events(subId, "executionReport");
        // user-data-stream.md "Order Update": x/X, i, c, z cumulative, l/L last fill, t, m.
        assert.deepEqual(reports.map((r) => `${r.x}/${r.X}`), ["NEW/NEW", "TRADE/FILLED"]);
        const [created, filled] = reports;
        assert.equal(String(created.i), order.id);
        assert.equal(created.c, order.clientOrderId);
        assert.equal(created.s, "BTCUSDT");
        assert.equal(created.S, "BUY");
        assert.equal(created.o, "LIMIT");
        assert.equal(created.t, -1);
        assert.equal(Number(filled.z), 0.01);
        assert.equal(Number(filled.l), 0.01);
        assert.equal(Number(filled.L), 20000);
        assert.equal(filled.m, true, "a resting order fills as maker");
        assert.equal(filled.N, "BTC");
        assert.ok(filled.t > 0);
        const positions = s.events(subId, "outboundAccountPosition");
        assert.ok(positions.length >= 2);
        const btc = positions.at(-1)!.B.find((b: Frame) => b.a === "BTC");
        assert.equal(Number(btc.f), 1 + 0.01 - 0.00001);

        // ccxt's own WebSocket parser reads the events as the product does.
        const pro = new ccxt.proBinance();
        pro.setMarketsFromExchange(t.exchange);
        const parsed = pro.parseWsOrder(filled);
        assert.equal(parsed.symbol, "BTC/USDT");
        assert.equal(parsed.status, "closed");
        assert.equal(parsed.clientOrderId, order.clientOrderId);
        const trade = pro.parseWsTrade(filled);
        assert.equal(trade.id, String(filled.t));
        assert.equal(trade.order, order.id);
      } finally {
        s.close();
      }
    }),
});

Deno.test({
  name: "ws-api: market order partial fills, cancel with C, FOK expiry",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim, { USDT: "10000000", BTC: "10" });
      const s = await session(sim);
      try {
        const subId = (await s.subscribe(t.api_key, t.secret)).result.subscriptionId;
        // A thin book: a big limit buy takes several levels, then rests (PARTIALLY_FILLED).
        await control(sim, "/__sim/prices", {
          symbol: "BTCUSDT",
          price: "30000",
          level_quote: 600,
        });
        const big = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.1, 30100);
        await s.waitFor((f) => f.event?.i === Number(big.id) && f.event?.x === "TRADE", "trade");
        await settle();
        const trades = s.events(subId, "executionReport").filter((r) =>
          r.i === Number(big.id) && r.x === "TRADE"
        );
        assert.ok(trades.length >= 2, "several levels taken");
        assert.ok(trades.every((r) => r.X === "PARTIALLY_FILLED"));
        // z grows by l at each trade.
        let cum = 0;
        for (const r of trades) {
          assert.equal(Number(r.z).toFixed(8), (cum + Number(r.l)).toFixed(8));
          cum = Number(r.z);
        }
        await t.exchange.cancelOrder(big.id as string, "BTC/USDT");
        const canceled = await s.waitFor((f) => f.event?.x === "CANCELED", "cancel report");
        assert.equal(canceled.event.X, "CANCELED");
        // user-data-stream.md: C is the canceled order's client id.
        assert.equal(canceled.event.C, big.clientOrderId);

        await control(sim, "/__sim/prices", {
          symbol: "BTCUSDT",
          price: "30000",
          level_quote: 1e9,
        });
        const fok = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 29000, {
          timeInForce: "FOK",
        });
        const expired = await s.waitFor(
          (f) => f.event?.i === Number(fok.id) && f.event?.X === "EXPIRED",
          "expiry",
        );
        assert.equal(expired.event.x, "EXPIRED");
      } finally {
        s.close();
      }
    }),
});

Deno.test({
  name: "ws-api: refused subscriptions (bad signature, stale timestamp, unknown key, twice)",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const s = await session(sim);
      try {
        const bad = await s.subscribe(t.api_key, "not-the-secret");
        assert.equal(bad.status, 400);
        assert.equal(bad.error.code, -1022);
        // web-socket-api.md "Timing security": outside recvWindow.
        const stale = await s.subscribe(t.api_key, t.secret, {
          timestamp: Date.now() - 10_000,
        });
        assert.equal(stale.error.code, -1021);
        const unknown = await s.subscribe("nobody", "x");
        assert.equal(unknown.error.code, -2015);
        const ok = await s.subscribe(t.api_key, t.secret);
        assert.equal(ok.status, 200);
        // "You can have only one active subscription for a given account on a given connection."
        const twice = await s.subscribe(t.api_key, t.secret);
        assert.equal(twice.error.code, -2035);
        const list = await s.request("session.subscriptions");
        assert.deepEqual(list.result, [{ subscriptionId: ok.result.subscriptionId }]);
        const unknownMethod = await s.request("order.place", {});
        assert.equal(unknownMethod.status, 400);
      } finally {
        s.close();
      }
    }),
});

Deno.test({
  name: "ws-api: several accounts on one connection; unsubscribe and revoke terminate one",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const a = await trader(sim);
      const b = await trader(sim);
      const c = await trader(sim);
      const s = await session(sim);
      try {
        const subA = (await s.subscribe(a.api_key, a.secret)).result.subscriptionId;
        const subB = (await s.subscribe(b.api_key, b.secret)).result.subscriptionId;
        const subC = (await s.subscribe(c.api_key, c.secret)).result.subscriptionId;
        assert.equal(new Set([subA, subB, subC]).size, 3);

        const unsub = await s.request("userDataStream.unsubscribe", { subscriptionId: subC });
        assert.equal(unsub.status, 200);
        await s.waitFor(
          (f) => f.subscriptionId === subC && f.event?.e === "eventStreamTerminated",
          "C terminated",
        );

        const revoked = await control<{ revoked: boolean }>(sim, "/__sim/ws/revoke", {
          api_key: a.api_key,
        });
        assert.equal(revoked.revoked, true);
        await s.waitFor(
          (f) => f.subscriptionId === subA && f.event?.e === "eventStreamTerminated",
          "A terminated",
        );
        // B still receives its events on the same connection.
        await b.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 20000);
        await s.waitFor((f) => f.subscriptionId === subB && f.event?.x === "NEW", "B's NEW");
        assert.equal(s.events(subB, "eventStreamTerminated").length, 0);
        assert.equal(s.isClosed(), false);
        // The revoked key no longer works over REST either.
        await assert.rejects(() => a.exchange.fetchBalance(), ccxt.AuthenticationError);
      } finally {
        s.close();
      }
    }),
});

Deno.test({
  name: "ws-api faults: duplicate, reorder, delay and drop",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const t = await trader(sim);
      const s = await session(sim);
      try {
        const subId = (await s.subscribe(t.api_key, t.secret)).result.subscriptionId;
        await control(sim, "/__sim/ws/faults", {
          kind: "duplicate",
          api_key: t.api_key,
          event: "executionReport",
          count: 1,
        });
        const o1 = await t.exchange.createOrder("BTC/USDT", "limit", "buy", 0.01, 20000);
        await s.waitFor((f) => f.event?.i === Number(o1.id), "NEW");
        await settle();
        assert.equal(s.events(subId).filter((e) => e.i === Number(o1.id)).length, 2);

        // reorder: the next two execution reports arrive in reverse.
        await control(sim, "/__sim/ws/faults", {
          kind: "reorder",
          api_key: t.api_key,
          event: "executionReport",
          count: 2,
        });
        const o2 = await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01);
        await s.waitFor((f) => f.event?.i === Number(o2.id) && f.event?.x === "NEW", "NEW");
        const mine = s.events(subId, "executionReport").filter((e) => e.i === Number(o2.id));
        assert.deepEqual(mine.map((e) => e.x), ["TRADE", "NEW"]);

        await control(sim, "/__sim/ws/faults", {
          kind: "delay",
          api_key: t.api_key,
          event: "executionReport",
          delay_ms: 300,
        });
        const reportsBefore = s.events(subId, "executionReport").length;
        await control(sim, "/__sim/prices", { symbol: "BTCUSDT", price: "19999" });
        await s.waitFor(
          (f) => f.event?.e === "outboundAccountPosition" && f.event.E > 0,
          "balances",
        );
        assert.equal(s.events(subId, "executionReport").length, reportsBefore, "held back");
        await s.waitFor(
          (f) => f.event?.i === Number(o1.id) && f.event?.X === "FILLED",
          "late fill",
        );

        await control(sim, "/__sim/ws/faults", { kind: "drop", api_key: t.api_key });
        await t.exchange.createOrder("BTC/USDT", "market", "buy", 0.01);
        const until = Date.now() + 5000;
        while (!s.isClosed() && Date.now() < until) await settle();
        assert.equal(s.isClosed(), true, "the connection was dropped");
        const stats = await control<{ connections: number; weight: number }>(
          sim,
          "/__sim/ws/stats",
        );
        assert.equal(stats.connections, 1);
        assert.equal(stats.weight, 2 + 2, "connect + one subscribe");
      } finally {
        s.close();
      }
    }),
});
