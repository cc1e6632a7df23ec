/**
 * fetch-orders and fetch-positions end to end: supabase-js `functions.invoke` against the
 * local stack, answers checked against the response schemas.
 */
import assert from "node:assert/strict";
import { responses } from "../../supabase/functions/_shared/responses.ts";
import { callFunction, needsStack, newTrader, stackInfo, type Trader } from "../helpers/stack.ts";

// deno-lint-ignore no-explicit-any
async function invoke(t: Trader, name: string, body: Record<string, unknown>): Promise<any> {
  const { data, error } = await t.client.functions.invoke(name, { body });
  if (error) {
    const ctx = (error as { context?: Response }).context;
    throw new Error(`${name}: ${ctx ? `${ctx.status} ${await ctx.text()}` : String(error)}`);
  }
  return data;
}

async function place(t: Trader, body: Record<string, unknown>) {
  return await invoke(t, "create-order", body);
}

Deno.test({
  name: "fetch-orders lists the user's orders newest first, filtered, page by page",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const other = await newTrader();
    const a = await place(t, {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "20000",
    });
    const b = await place(t, { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.002" });
    const c = await place(t, {
      symbol: "ETH/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "1000",
    });
    await place(other, { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" });

    const all = await invoke(t, "fetch-orders", {});
    responses["fetch-orders"].parse(all);
    assert.deepEqual(
      all.orders.map((o: { id: string }) => o.id),
      [c.order.id, b.order.id, a.order.id],
      "newest first, only this user's",
    );
    assert.equal(all.next_cursor, null);
    assert.equal(all.orders[0].account, "default");
    assert.equal(all.orders[0].price, "1000");
    assert.equal(all.orders[0].fills, undefined, "no fills unless asked");

    const filtered = await invoke(t, "fetch-orders", {
      symbol: "BTC/USDT",
      status: "open",
      side: "buy",
    });
    assert.deepEqual(filtered.orders.map((o: { id: string }) => o.id), [a.order.id]);

    // Pages of one: every order exactly once, in order, then no cursor.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await invoke(t, "fetch-orders", { limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.orders.map((o: { id: string }) => o.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    assert.deepEqual(seen, [c.order.id, b.order.id, a.order.id]);

    const withFills = await invoke(t, "fetch-orders", { include_fills: true, status: "closed" });
    responses["fetch-orders"].parse(withFills);
    assert.equal(withFills.orders.length, 1);
    const fills = withFills.orders[0].fills;
    assert.ok(fills.length >= 1);
    assert.equal(fills[0].order_id, b.order.id);
    assert.match(fills[0].price, /^\d+(\.\d+)?$/);
    assert.ok("taker_or_maker" in fills[0]);
    assert.match(fills[0].timestamp, /^\d{4}-/);

    // since / until (ms or ISO): the window after the first order holds the later two.
    const since = Date.parse(all.orders[1].created_at);
    const windowed = await invoke(t, "fetch-orders", {
      since,
      until: new Date(Date.now() + 60_000).toISOString(),
    });
    assert.deepEqual(windowed.orders.map((o: { id: string }) => o.id), [c.order.id, b.order.id]);
  },
});

Deno.test({
  name: "fetch-orders answers GET with query parameters and service callers with user_id",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await place(t, {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "20000",
    });
    const get = await t.call("fetch-orders", undefined, {
      method: "GET",
      query: { symbol: "BTC/USDT", limit: "10", include_fills: "true" },
    });
    assert.equal(get.status, 200, JSON.stringify(get.body));
    assert.equal(get.body.orders[0].id, placed.order.id);
    assert.deepEqual(get.body.orders[0].fills, []);

    const service = await callFunction("fetch-orders", stackInfo().service_role_key, {
      user_id: t.userId,
    });
    assert.equal(service.status, 200, JSON.stringify(service.body));
    assert.deepEqual(service.body.orders.map((o: { id: string }) => o.id), [placed.order.id]);
    const noUser = await callFunction("fetch-orders", stackInfo().service_role_key, {});
    assert.equal(noUser.status, 400);
    assert.equal(noUser.body.error.field, "user_id");
  },
});

Deno.test({
  name: "fetch-orders refuses a bad cursor, limit, status or time window, naming the field",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const cases: [Record<string, unknown>, string][] = [
      [{ cursor: "not a cursor" }, "cursor"],
      [{ cursor: "bm90LWpzb24" }, "cursor"],
      [{ limit: 101 }, "limit"],
      [{ limit: 0 }, "limit"],
      [{ status: "filled" }, "status"],
      [{ since: "yesterday" }, "since"],
      [{ since: 2000, until: 1000 }, "until"],
      [{ symbol: "BTC/USDT", extra: 1 }, "extra"],
    ];
    for (const [body, field] of cases) {
      const res = await t.call("fetch-orders", body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status}`);
      assert.equal(res.body.error.code, "VALIDATION_ERROR");
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    }
  },
});

Deno.test({
  name: "fetch-positions lists open positions by default, closed ones on request",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    await place(t, { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.01" });
    await place(t, { symbol: "ETH/USDT", side: "buy", type: "market", amount: "0.1" });
    // Sell everything the ETH position holds: it closes.
    const eth = (await invoke(t, "fetch-positions", { symbol: "ETH/USDT" })).positions[0];
    await place(t, { symbol: "ETH/USDT", side: "sell", type: "market", amount: eth.quantity });

    const open = await invoke(t, "fetch-positions", {});
    responses["fetch-positions"].parse(open);
    assert.deepEqual(open.positions.map((p: { symbol: string }) => p.symbol), ["BTC/USDT"]);
    const btc = open.positions[0];
    assert.equal(btc.status, "open");
    assert.equal(btc.quantity, "0.00999", "0.1% commission charged in BTC on the buy");
    assert.match(btc.entry_price, /^\d+(\.\d+)?$/);
    assert.ok(btc.opened_at && btc.closed_at === null);
    assert.equal(btc.account, "default");
    assert.equal(btc.unrealized_pnl, undefined, "no price unless asked");

    const closed = await invoke(t, "fetch-positions", { status: "closed" });
    responses["fetch-positions"].parse(closed);
    assert.equal(closed.positions.length, 1);
    assert.equal(closed.positions[0].symbol, "ETH/USDT");
    assert.ok(closed.positions[0].closed_at);
    assert.match(closed.positions[0].realized_pnl, /^-?\d+(\.\d+)?$/);
    assert.match(closed.positions[0].fees_quote, /^\d+(\.\d+)?$/);

    const every = await invoke(t, "fetch-positions", { status: "all", limit: 1 });
    assert.equal(every.positions.length, 1);
    assert.ok(every.next_cursor);
    const rest = await invoke(t, "fetch-positions", { status: "all", cursor: every.next_cursor });
    assert.equal(rest.positions.length, 1);
    assert.equal(rest.next_cursor, null);
    assert.notEqual(rest.positions[0].id, every.positions[0].id);
  },
});

Deno.test({
  name: "fetch-positions values open positions at the last price when asked",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    await place(t, { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.01" });
    const res = await invoke(t, "fetch-positions", { include_unrealized_pnl: true });
    responses["fetch-positions"].parse(res);
    const [p] = res.positions;
    assert.match(p.current_price, /^\d+(\.\d+)?$/);
    // (last - entry) * quantity, compared exactly as scaled integers.
    const d = (v: string) => {
      const [i, f = ""] = v.replace("-", "").split(".");
      const u = BigInt(i + f);
      return { u: v.startsWith("-") ? -u : u, s: f.length };
    };
    const at = (x: { u: bigint; s: number }, s: number) => x.u * 10n ** BigInt(s - x.s);
    const [last, entry, qty, pnl] = [p.current_price, p.entry_price, p.quantity, p.unrealized_pnl]
      .map(d);
    const s = Math.max(last.s, entry.s);
    const product = { u: (at(last, s) - at(entry, s)) * qty.u, s: s + qty.s };
    const common = Math.max(product.s, pnl.s);
    assert.equal(at(pnl, common), at(product, common));

    const service = await callFunction("fetch-positions", stackInfo().service_role_key, {
      user_id: t.userId,
      include_unrealized_pnl: "true",
    });
    assert.equal(service.status, 200, JSON.stringify(service.body));
    assert.equal(service.body.positions[0].id, p.id);
  },
});
