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

/**
 * A POST over a plain TCP connection, reading the answer's head as sent: fetch (and Deno's
 * node:http, built on it) decompresses bodies and drops `content-encoding`.
 */
async function rawPost(
  name: string,
  token: string,
  body: unknown,
): Promise<{ status: number; headers: Map<string, string>; bodyBytes: number }> {
  const url = new URL(`${stackInfo().functions_url}/${name}`);
  const payload = new TextEncoder().encode(JSON.stringify(body));
  const head = [
    `POST ${url.pathname} HTTP/1.1`,
    `host: ${url.host}`,
    `authorization: Bearer ${token}`,
    "content-type: application/json",
    `content-length: ${payload.length}`,
    // What Go's http.Client, browsers and Deno's fetch send by default.
    "accept-encoding: gzip, br",
    "connection: close",
    "",
    "",
  ].join("\r\n");
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(new Uint8Array([...new TextEncoder().encode(head), ...payload]));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      chunks.push(buf.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of chunks) all.set(c, (at += c.length) - c.length);
    const text = new TextDecoder("latin1").decode(all);
    const end = text.indexOf("\r\n\r\n");
    const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
    const headers = new Map(lines.map((l) => {
      const k = l.indexOf(":");
      return [l.slice(0, k).toLowerCase(), l.slice(k + 1).trim()] as [string, string];
    }));
    return { status: Number(statusLine.split(" ")[1]), headers, bodyBytes: all.length - end - 4 };
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "answers of one TCP segment are sent uncompressed; larger ones are compressed",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    // A ticker is a few hundred bytes: gzip would save no packet and cost both ends CPU.
    const small = await rawPost("fetch-ticker", t.token, { symbol: "BTC/USDT" });
    assert.equal(small.status, 200);
    assert.equal(small.headers.get("content-encoding"), undefined);
    assert.match(small.headers.get("cache-control") ?? "", /no-transform/);
    assert.equal(Number(small.headers.get("content-length")), small.bodyBytes);
    assert.ok(small.bodyBytes <= 1024, `${small.bodyBytes} bytes`);
    // Every market of the catalogue: megabytes of JSON, which compression is for.
    const large = await rawPost("fetch-markets", t.token, {});
    assert.equal(large.status, 200);
    assert.match(large.headers.get("content-encoding") ?? "", /^(gzip|br)$/);
    assert.equal(large.headers.get("cache-control"), "no-store");
  },
});
