/**
 * Who is calling. Tokens are verified inside the function with jose (the platform's own
 * gateway check is off: `verify_jwt = false`), so that service callers holding non-JWT secret
 * keys work too.
 *
 * - A user's access token: signed by the project's JWT keys (JWKS at
 *   `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`, cached by jose) or by the legacy HS256
 *   secret; issuer `<SUPABASE_URL>/auth/v1`, audience `authenticated`, role `authenticated`,
 *   not expired. It acts for its `sub`.
 * - A service caller: the service-role key or one of the project's secret keys (compared in
 *   constant time), or a verified JWT whose role is `service_role`. It must name `user_id`.
 * - Anything else, including the anon key: UNAUTHORIZED.
 *
 * A token that passed every check is remembered (by its exact text) for at most
 * `VERIFIED_TTL_MS` and never past its `exp`: callers send the same access token with every
 * request until it is refreshed, and verifying it again cost ~0.1 ms of each request
 * (measured, docs/DECISIONS.md). A token is never remembered after a failed check, so a
 * changed byte is verified in full.
 */
import * as jose from "./vendor/jose.js";
import { AppError } from "./errors.ts";

export type Caller =
  | { kind: "user"; userId: string }
  | { kind: "service" };

export interface Authenticator {
  authenticate(headers: Headers): Promise<Caller>;
}

export interface AuthOptions {
  supabaseUrl: string;
  jwtSecret?: string;
  serviceKeys: string[];
  /** Overrides the JWKS location (tests). */
  jwksUrl?: string;
  /** Accept anonymous sign-ins' tokens (`is_anonymous: true`). */
  allowAnonymous?: boolean;
  /** The clock (ms since the epoch) for token expiry; Date.now by default. */
  now?: () => number;
  /**
   * Wraps signature verification (jose, below): tests count how often a token is verified
   * when it is remembered. Whatever it returns still goes through every claim check.
   */
  wrapVerify?: (
    verify: (token: string) => Promise<jose.JWTPayload>,
  ) => (token: string) => Promise<jose.JWTPayload>;
}

/**
 * How long a verified token is taken on trust: a JWT signing key revoked in the project's
 * JWKS stops its tokens within this time (jose's own JWKS cache holds keys longer).
 */
export const VERIFIED_TTL_MS = 60_000;
/** Tokens remembered at most (about 1 kB each); the oldest goes first. */
export const VERIFIED_MAX = 1000;

const encoder = new TextEncoder();

function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

const unauthorized = (message: string) => new AppError("UNAUTHORIZED", message);

/** The bearer token of a request; the `apikey` header counts for secret keys only. */
function tokenOf(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = auth.match(/^Bearer\s+(\S+)$/i);
    if (!m) throw unauthorized("Authorization header must be 'Bearer <token>'");
    return m[1];
  }
  return undefined;
}

export function createAuthenticator(opts: AuthOptions): Authenticator {
  const issuer = `${opts.supabaseUrl}/auth/v1`;
  const secret = opts.jwtSecret ? encoder.encode(opts.jwtSecret) : undefined;
  const jwks = jose.createRemoteJWKSet(
    new URL(opts.jwksUrl ?? `${issuer}/.well-known/jwks.json`),
    { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 },
  );
  const isServiceKey = (token: string) => opts.serviceKeys.some((k) => constantTimeEqual(k, token));
  const now = opts.now ?? Date.now;
  /** Token text → who it names, until when (ms): only tokens that passed every check. */
  const verified = new Map<string, { caller: Caller; until: number }>();

  async function verifyToken(token: string): Promise<jose.JWTPayload> {
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      throw unauthorized("Malformed token");
    }
    try {
      if (header.alg === "HS256") {
        if (!secret) throw unauthorized("HS256 tokens are not accepted by this project");
        return (await jose.jwtVerify(token, secret, { algorithms: ["HS256"] })).payload;
      }
      return (await jose.jwtVerify(token, jwks, { algorithms: ["ES256", "RS256", "EdDSA"] }))
        .payload;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof jose.errors.JWTExpired) throw unauthorized("Token expired");
      throw unauthorized("Invalid token");
    }
  }

  const verify = opts.wrapVerify ? opts.wrapVerify(verifyToken) : verifyToken;

  return {
    async authenticate(headers) {
      const bearer = tokenOf(headers);
      const apikey = headers.get("apikey") ?? undefined;
      // Secret keys may come as the bearer token or, without one, as the apikey header.
      if (bearer && isServiceKey(bearer)) return { kind: "service" };
      if (!bearer) {
        if (apikey && isServiceKey(apikey)) return { kind: "service" };
        throw unauthorized("Missing Authorization header");
      }
      const known = verified.get(bearer);
      if (known) {
        if (now() < known.until) return known.caller;
        verified.delete(bearer);
      }
      const claims = await verify(bearer);
      if (typeof claims.exp !== "number") throw unauthorized("Token has no expiry");
      // jose checked `exp` against its own clock; the cache below keeps to this one.
      if (claims.exp * 1000 <= now()) throw unauthorized("Token expired");
      const caller = callerOf(claims);
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
      verified.set(bearer, { caller, until: Math.min(claims.exp * 1000, now() + VERIFIED_TTL_MS) });
      return caller;
    },
  };

  /** The caller a verified token names, or UNAUTHORIZED. */
  function callerOf(claims: jose.JWTPayload): Caller {
    if (claims.role === "service_role") return { kind: "service" };
    if (claims.role !== "authenticated") throw unauthorized("Token role may not trade");
    if (claims.iss !== issuer) throw unauthorized("Token issuer is not this project");
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes("authenticated")) throw unauthorized("Token audience is not this project");
    // Anonymous sign-ins (Supabase Auth's `is_anonymous`) cost nothing to create: letting
    // them trade would let anyone mint users. Off unless the project opts in.
    if (claims.is_anonymous === true && !opts.allowAnonymous) {
      throw unauthorized("Anonymous sessions may not trade; sign in with an account");
    }
    if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) {
      throw unauthorized("Token subject is not a user id");
    }
    return { kind: "user", userId: claims.sub };
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
