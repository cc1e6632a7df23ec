import assert from "node:assert/strict";
import { newIdempotencyKey, trading, TradingError } from "../clients/ts/mod.ts";
import { responses } from "../supabase/functions/_shared/responses.ts";
import { buildOpenApi } from "../clients/openapi.ts";
import { formattedTypes, TYPES_PATH } from "../clients/ts_types.ts";
import { needsStack, newTrader } from "./helpers/stack.ts";

Deno.test("docs/openapi.json is generated from the current schemas", async () => {
  const committed = JSON.parse(
    await Deno.readTextFile(new URL("../docs/openapi.json", import.meta.url)),
  );
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(buildOpenApi())),
    "run `deno task openapi`",
  );
});

Deno.test("clients/ts/types.ts is generated from the current schemas", async () => {
  const committed = await Deno.readTextFile(TYPES_PATH);
  assert.equal(committed, await formattedTypes(), "run `deno task openapi`");
});

Deno.test({
  name: "the TypeScript client places, reads, lists and cancels orders; answers match the schemas",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const api = trading(t.client);
    const key = newIdempotencyKey();
    const placed = await api.createOrder(
      { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.01", price: "20000" },
      { idempotencyKey: key },
    );
    responses["create-order"].parse(placed);
    assert.equal(placed.idempotencyKey, key);
    assert.equal(placed.order?.client_order_id, key, "a key in Binance's pattern is the id");
    assert.equal(placed.order?.status, "open");
    const id = placed.order!.id!;
    responses["fetch-order"].parse(await api.fetchOrder({ symbol: "BTC/USDT", id }));
    const open = await api.fetchOpenOrders({ symbol: "BTC/USDT" });
    responses["fetch-open-orders"].parse(open);
    assert.equal(open.orders.length, 1);
    const canceled = await api.cancelOrder({ symbol: "BTC/USDT", id });
    assert.equal(canceled.order?.status, "canceled");
    responses["fetch-balance"].parse(await api.fetchBalance());
    responses["fetch-ticker"].parse(await api.fetchTicker({ symbol: "BTC/USDT" }));
    responses["fetch-markets"].parse(await api.fetchMarkets({ symbol: "BTC/USDT" }));
    responses["fetch-my-trades"].parse(await api.fetchMyTrades({ symbol: "BTC/USDT" }));
    responses["exchange-keys"].parse(await api.keyStatus());
    responses["sync-orders"].parse(await api.syncOrders());
    const history = await api.fetchOrders({ symbol: "BTC/USDT", include_fills: true });
    responses["fetch-orders"].parse(history);
    assert.equal(history.orders[0].id, id);
    responses["fetch-positions"].parse(await api.fetchPositions({ status: "all" }));
  },
});

Deno.test({
  name: "the TypeScript client turns error answers into a typed TradingError",
  ...needsStack,
  async fn() {
    const t = await newTrader({ balances: { USDT: "1" } });
    const api = trading(t.client);
    const key = newIdempotencyKey();
    const err = await api.createOrder({
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "1",
    }, { idempotencyKey: key })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof TradingError);
    assert.equal(err.code, "INSUFFICIENT_FUNDS");
    assert.equal(err.idempotencyKey, key, "every create-order error carries its key");
    assert.equal(err.status, 422);
    assert.equal(err.retryable, false);
    assert.ok(err.requestId);
    const bad = await api.createOrder({
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "1",
    }, { idempotencyKey: newIdempotencyKey() })
      .then(() => undefined, (e) => e);
    assert.equal(bad.code, "VALIDATION_ERROR");
    assert.equal(bad.field, "price");
    // No key: refused before any request, so no order can be placed without one.
    const noKey = await api.createOrder(
      { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" },
      {},
    ).then(() => undefined, (e) => e);
    assert.equal(noKey.code, "VALIDATION_ERROR");
    assert.equal(noKey.field, "Idempotency-Key");
    assert.equal(noKey.status, 0);
    const colon = await api.createOrder(
      { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" },
      { idempotencyKey: "order:42" },
    ).then(() => undefined, (e) => e);
    assert.equal(colon.field, "Idempotency-Key", "Binance Spot refuses ':' in client order ids");
  },
});
