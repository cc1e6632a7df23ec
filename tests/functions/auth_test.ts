import assert from "node:assert/strict";
import * as jose from "jose";
import { callFunction, needsStack, newTrader, stackInfo } from "../helpers/stack.ts";
import { userToken } from "../../dev/tokens.ts";

const body = { symbol: "BTC/USDT" };

async function signed(claims: jose.JWTPayload, secret = stackInfo().jwt_secret) {
  return await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

Deno.test({
  name: "functions answer 401 without a token, with the anon key and with bad tokens",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    const now = Math.floor(Date.now() / 1000);
    const base = {
      sub: crypto.randomUUID(),
      role: "authenticated",
      aud: "authenticated",
      iss: `${info.supabase_url}/auth/v1`,
      iat: now,
      exp: now + 600,
    };
    const none = `${btoa(JSON.stringify({ alg: "none" }))}.${btoa(JSON.stringify(base))}.`
      .replaceAll("=", "");
    const cases: Record<string, string | undefined> = {
      "no token": undefined,
      "anon key": info.anon_key,
      "expired": await signed({ ...base, exp: now - 10 }),
      "not yet valid": await signed({ ...base, nbf: now + 600 }),
      "no expiry": await signed({ ...base, exp: undefined }),
      "service role signed with another key": await signed(
        { role: "service_role", iss: "supabase", exp: now + 600 },
        "another-secret-another-secret-another-secret",
      ),
      "wrong issuer": await signed({ ...base, iss: "https://evil.example/auth/v1" }),
      "wrong audience": await signed({ ...base, aud: "other" }),
      // Anonymous sign-ins are free to create: they may not trade unless the project opts in.
      "anonymous session": await signed({ ...base, is_anonymous: true }),
      // A service-role JWT must expire like any other token.
      "service role without expiry": await signed({ role: "service_role", iss: "supabase" }),
      "other secret": await signed(base, "another-secret-another-secret-another-secret"),
      "alg none": none,
      "garbage": "not-a-token",
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await callFunction("fetch-ticker", token, body);
      assert.equal(res.status, 401, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "UNAUTHORIZED", name);
    }
  },
});

Deno.test({
  name: "a service caller must name user_id and then acts for that user",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    const t = await newTrader();
    const without = await callFunction("fetch-balance", info.service_role_key, {});
    assert.equal(without.status, 400);
    assert.equal(without.body.error.field, "user_id");
    const acting = await callFunction("fetch-balance", info.service_role_key, {
      user_id: t.userId,
    });
    assert.equal(acting.status, 200, JSON.stringify(acting.body));
    assert.equal(acting.body.balances.USDT.free, "100000.00000000");
  },
});

Deno.test({
  name: "a user cannot read or cancel another user's order, even by id",
  ...needsStack,
  async fn() {
    const a = await newTrader();
    const b = await newTrader();
    const placed = await a.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "limit",
      amount: "0.01",
      price: "20000",
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    const ref = { symbol: "BTC/USDT", id: placed.body.order.id };
    const read = await b.call("fetch-order", ref);
    assert.equal(read.status, 404, JSON.stringify(read.body));
    const cancel = await b.call("cancel-order", ref);
    assert.equal(cancel.status, 404, JSON.stringify(cancel.body));
    const byClientId = await b.call("fetch-order", {
      symbol: "BTC/USDT",
      client_order_id: placed.body.order.client_order_id,
    });
    assert.equal(byClientId.status, 404);
    const userIdOfA = await b.call("fetch-balance", { user_id: a.userId });
    assert.equal(userIdOfA.status, 400);
    // B naming an account label that only A has gets B's own answer: no such account.
    await a.call("exchange-keys", { api_key: a.apiKey, secret: a.secret, label: "a-only" });
    const label = await b.call("fetch-balance", { account: "a-only" });
    assert.equal(label.status, 409);
    assert.equal(label.body.error.code, "CREDENTIALS_MISSING");
    const still = await a.call("fetch-order", ref);
    assert.equal(still.body.order.status, "open");
  },
});

Deno.test({
  name: "a token for a user without saved keys gets 409 CREDENTIALS_MISSING",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    const token = await userToken(info.jwt_secret, info.supabase_url, crypto.randomUUID());
    const res = await callFunction("fetch-balance", token, {});
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "CREDENTIALS_MISSING");
  },
});

Deno.test({
  name: "the server makes its own request id; a caller's x-request-id is never adopted",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const res = await t.call("fetch-ticker", undefined, {
      query: { symbol: "BTC/USDT" },
      headers: { "x-request-id": "caller-chosen-id-0001" },
    });
    assert.equal(res.status, 200);
    const ours = res.headers.get("x-request-id") ?? "";
    assert.notEqual(ours, "caller-chosen-id-0001");
    assert.match(ours, /^[0-9a-f-]{36}$/);
  },
});

Deno.test({
  name: "a request body that does not arrive within the deadline gets 408",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const info = stackInfo();
    // One byte, then nothing: the test stack's BODY_DEADLINE_MS is 2 s.
    let timer: number | undefined;
    const trickle = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("{"));
        timer = setTimeout(() => c.close(), 8_000);
      },
    });
    // Had the server waited for the whole body ("{"), it would answer 400 (not JSON), not 408.
    const res = await fetch(`${info.functions_url}/create-order`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      body: trickle,
    });
    const body = await res.json();
    clearTimeout(timer);
    assert.equal(res.status, 408, JSON.stringify(body));
    assert.equal(body.error.code, "REQUEST_TIMEOUT");
  },
});

Deno.test({
  name: "a body shorter than its Content-Length gets 408 at the deadline, not a hang",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const url = new URL(`${stackInfo().functions_url}/create-order`);
    // Declares 64 bytes, sends one and waits: the one-piece read must still answer in time.
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    // Bounded: a server that never answers fails the test in 10 s instead of hanging it.
    const giveUp = setTimeout(() => conn.close(), 10_000);
    try {
      const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        `Authorization: Bearer ${t.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 64\r\n\r\n{`;
      await conn.write(new TextEncoder().encode(head));
      const buf = new Uint8Array(4096);
      let text = "";
      while (!text.includes("\r\n\r\n") || !text.includes("}")) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
      assert.match(text, /^HTTP\/1\.1 408 /, text.slice(0, 200));
      // Only the deadline (the test stack's BODY_DEADLINE_MS, 2 s) answers: the rest of the
      // body never comes, and giveUp closes the connection at 10 s.
      assert.match(text, /REQUEST_TIMEOUT/);
    } finally {
      clearTimeout(giveUp);
      try {
        conn.close();
      } catch {
        // closed by giveUp
      }
    }
  },
});
