import assert from "node:assert/strict";
import { callFunction, needsStack, newTrader, stackInfo } from "../helpers/stack.ts";

Deno.test({
  name: "a CORS preflight passes without auth and allows supabase-js headers",
  ...needsStack,
  async fn() {
    const res = await fetch(`${stackInfo().functions_url}/create-order`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
      },
    });
    await res.body?.cancel();
    assert.ok(res.status === 204 || res.status === 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    const allowed = res.headers.get("access-control-allow-headers") ?? "";
    for (
      const h of ["authorization", "x-client-info", "apikey", "content-type", "idempotency-key"]
    ) {
      assert.ok(allowed.includes(h), h);
    }
  },
});

Deno.test({
  name: "every response carries x-request-id, and errors carry it in the body",
  ...needsStack,
  async fn() {
    const res = await callFunction("fetch-ticker", undefined, { symbol: "BTC/USDT" });
    assert.equal(res.status, 401);
    const id = res.headers.get("x-request-id");
    assert.ok(id);
    assert.equal(res.body.error.request_id, id);
  },
});

Deno.test({
  name: "malformed JSON, duplicate keys and oversized bodies get 4xx JSON errors",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const bad = await t.call("create-order", undefined, { rawBody: "{not json" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "VALIDATION_ERROR");
    const dup = await t.call("create-order", undefined, {
      rawBody: '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"0.001","amount":"5"}',
    });
    assert.equal(dup.status, 400);
    assert.match(dup.body.error.message, /Duplicate key/);
    const huge = await t.call("create-order", undefined, {
      rawBody: JSON.stringify({ symbol: "x".repeat(100_000) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, "PAYLOAD_TOO_LARGE");
    const method = await t.call("create-order", undefined, { method: "GET" });
    assert.equal(method.status, 405);
  },
});
