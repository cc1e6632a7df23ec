/**
 * Local keys and tokens, signed like a Supabase project's legacy HS256 keys. Local values
 * only: the secret below is the Supabase CLI's well-known local default, never a real one.
 */
import * as jose from "jose";

export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

const TEN_YEARS = 10 * 365 * 24 * 3600;

async function sign(secret: string, claims: jose.JWTPayload, ttlSeconds: number) {
  const now = Math.floor(Date.now() / 1000);
  return await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** The project's anon and service-role API keys (JWTs, as legacy Supabase keys are). */
export async function apiKeys(secret: string) {
  return {
    anon: await sign(secret, { iss: "supabase-demo", role: "anon" }, TEN_YEARS),
    serviceRole: await sign(secret, { iss: "supabase-demo", role: "service_role" }, TEN_YEARS),
  };
}

/** A signed-in user's access token, as Supabase Auth issues it. */
export async function userToken(
  secret: string,
  supabaseUrl: string,
  userId: string,
  opts: { email?: string; ttlSeconds?: number } = {},
) {
  return await sign(secret, {
    iss: `${supabaseUrl}/auth/v1`,
    aud: "authenticated",
    sub: userId,
    role: "authenticated",
    email: opts.email,
    aal: "aal1",
    session_id: crypto.randomUUID(),
  }, opts.ttlSeconds ?? 24 * 3600);
}
