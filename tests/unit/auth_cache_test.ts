/**
 * The authenticator remembers tokens that passed every check (auth.ts). What must hold: a
 * remembered token still expires at its `exp` by the authenticator's clock, and a token that
 * differs in one byte, or that failed once, is verified in full every time.
 */
import assert from "node:assert/strict";
import * as jose from "jose";
import { createAuthenticator, VERIFIED_TTL_MS } from "../../supabase/functions/_shared/auth.ts";
import { AppError } from "../../supabase/functions/_shared/errors.ts";

const SUPABASE_URL = "http://127.0.0.1:1";
const SECRET = "unit-test-jwt-secret-unit-test-jwt-secret";

async function token(claims: jose.JWTPayload, secret = SECRET) {
  return await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

function setup() {
  const clock = { now: Date.now() };
  // Every verification is jose's; the count says how many there were.
  const verified = { count: 0 };
  const auth = createAuthenticator({
    supabaseUrl: SUPABASE_URL,
    jwtSecret: SECRET,
    serviceKeys: [],
    jwksUrl: "http://127.0.0.1:1/jwks.json",
    now: () => clock.now,
    wrapVerify: (verify) => (token) => {
      verified.count++;
      return verify(token);
    },
  });
  const call = (t: string) => auth.authenticate(new Headers({ authorization: `Bearer ${t}` }));
  return { clock, call, verified };
}

const claims = (sub: string, expInSeconds: number): jose.JWTPayload => ({
  sub,
  role: "authenticated",
  aud: "authenticated",
  iss: `${SUPABASE_URL}/auth/v1`,
  exp: Math.floor(Date.now() / 1000) + expInSeconds,
});

async function rejects(p: Promise<unknown>, message: RegExp) {
  await assert.rejects(p, (e) =>
    e instanceof AppError && e.code === "UNAUTHORIZED" &&
    message.test(e.message));
}

Deno.test("a remembered token still expires at its exp", async () => {
  const { clock, call } = setup();
  const sub = crypto.randomUUID();
  const t = await token(claims(sub, 30));
  assert.deepEqual(await call(t), { kind: "user", userId: sub });
  assert.deepEqual(await call(t), { kind: "user", userId: sub });
  clock.now += 31_000;
  await rejects(call(t), /expired/i);
});

Deno.test("a token is taken on trust for at most VERIFIED_TTL_MS, then verified again", async () => {
  const { clock, call, verified } = setup();
  const sub = crypto.randomUUID();
  const t = await token(claims(sub, 3600));
  assert.deepEqual(await call(t), { kind: "user", userId: sub });
  clock.now += VERIFIED_TTL_MS - 1;
  assert.deepEqual(await call(t), { kind: "user", userId: sub });
  assert.equal(verified.count, 1, "the second call was answered from memory");
  clock.now += 2;
  assert.deepEqual(await call(t), { kind: "user", userId: sub });
  assert.equal(verified.count, 2, "past the trust window the token is verified again");
});

Deno.test("one changed byte, or a token that failed once, is verified in full", async () => {
  const { call, verified } = setup();
  const sub = crypto.randomUUID();
  const good = await token(claims(sub, 600));
  await call(good);
  const [h, p, sig] = good.split(".");
  const flipped = sig[0] === "A" ? "B" + sig.slice(1) : "A" + sig.slice(1);
  await rejects(call(`${h}.${p}.${flipped}`), /invalid/i);
  // Same payload signed with another secret.
  await rejects(
    call(await token(claims(sub, 600), "another-secret-another-secret-xx")),
    /invalid/i,
  );
  const wrongAudience = await token({ ...claims(sub, 600), aud: "other" });
  const before = verified.count;
  await rejects(call(wrongAudience), /audience/);
  await rejects(call(wrongAudience), /audience/);
  assert.equal(verified.count, before + 2, "a token that failed is never remembered");
});
