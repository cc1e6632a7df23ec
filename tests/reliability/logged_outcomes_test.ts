/**
 * What the request log says must match what happened: a sync-orders run that answers 200 with
 * failures inside logs them as a failure (level warn, outcome partial_failure), never `ok`.
 * The gateway runs in its own process so the test reads its log.
 */
import assert from "node:assert/strict";
import { startGatewayProcess } from "../helpers/gateway.ts";
import { needsStack, newTrader, sim, stackInfo } from "../helpers/stack.ts";

Deno.test({
  name: "a sync-orders run with failed orders is logged as a failure, not ok",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.001",
      price: "45000",
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    // Every open-orders read of this key fails past the read retries.
    await sim("/__sim/faults", {
      kind: "http_500",
      count: 4,
      method: "GET",
      path: "/api/v3/openOrders",
      api_key: t.apiKey,
    });
    const gateway = await startGatewayProcess({});
    let log = "";
    try {
      const res = await fetch(`${gateway.url}/functions/v1/sync-orders`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${stackInfo().service_role_key}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ user_id: t.userId, min_age_seconds: 0 }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.failed, 1);
    } finally {
      log = await gateway.stop();
    }
    const line = log.split("\n").map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    }).find((e) => e?.event === "request" && e?.function === "sync-orders");
    assert.ok(line, "the run is logged");
    assert.equal(line.outcome, "partial_failure");
    assert.equal(line.level, "warn");
  },
});
