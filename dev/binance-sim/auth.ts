/**
 * rest-api.md "Request Security" and "SIGNED Endpoint security": the API key in
 * `X-MBX-APIKEY`, its permissions, the signature over query string + body (HMAC-SHA256 in
 * hex, case-insensitive; Ed25519 in base64, case-sensitive), then "Timing security":
 * `timestamp` within `recvWindow` (default 5000, at most 60000) and not 1 s ahead.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { BinanceError, err } from "./errors.ts";
import type { Account, Exchange } from "./exchange.ts";
import { intParam, type Params } from "./params.ts";
import type { Route } from "./state.ts";

const DEFAULT_RECV_WINDOW = 5000;

function hmacValid(account: Account, payload: string, signature: string) {
  const expected = createHmac("sha256", account.secret).update(payload).digest("hex");
  const given = new TextEncoder().encode(signature.toLowerCase());
  const want = new TextEncoder().encode(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function ed25519Valid(account: Account, payload: string, signature: string) {
  try {
    const key = createPublicKey(account.secret);
    return verify(null, Buffer.from(payload), key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

export function authenticate(
  exchange: Exchange,
  req: Request,
  raw: { query: string; body: string },
  params: Params,
  route: Route,
): Account {
  const apiKey = req.headers.get("x-mbx-apikey");
  if (!apiKey) throw err.keyFormat();
  const account = exchange.accounts.get(apiKey);
  // errors.md -2015: an unknown or revoked key (POST /__sim/keys/revoke) gets the same answer.
  if (!account || account.revoked) throw err.invalidKey();
  const signature = params.get("signature");
  if (!signature) throw err.mandatory("signature");
  // The signed payload is the query string followed by the body, as sent.
  const payload = [raw.query, raw.body].filter(Boolean).join("")
    .replace(/&?signature=[^&]*/, "");
  const valid = account.keyType === "Ed25519"
    ? ed25519Valid(account, payload, signature)
    : hmacValid(account, payload, signature);
  if (!valid) throw err.badSignature();
  const sent = intParam(params, "timestamp");
  if (sent === undefined) throw err.mandatory("timestamp");
  // rest-api.md "General API Information": milliseconds or microseconds.
  const timestamp = sent >= 1e14 ? sent / 1000 : sent;
  const recvWindow = Number(params.get("recvWindow") ?? DEFAULT_RECV_WINDOW);
  if (!(recvWindow > 0) || recvWindow > 60000) {
    throw new BinanceError(400, -1131, "recvWindow must be less than 60000");
  }
  const serverTime = Date.now();
  if (timestamp >= serverTime + 1000) {
    throw new BinanceError(
      400,
      -1021,
      "Timestamp for this request was 1000ms ahead of the server's time.",
    );
  }
  if (serverTime - timestamp > recvWindow) throw outsideRecvWindow();
  const path = new URL(req.url).pathname;
  const readOnly = req.method === "GET" && path !== "/api/v3/order/test";
  if (
    !account.permissions.enableReading && readOnly && path !== "/sapi/v1/account/apiRestrictions"
  ) {
    throw err.invalidKey();
  }
  if (!account.permissions.enableSpotAndMarginTrading && (req.method !== "GET" || route.order)) {
    throw err.invalidKey();
  }
  return account;
}

export const outsideRecvWindow = () =>
  new BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow.");
