/**
 * Binance's WebSocket API (web-socket-api.md) for what the product uses: the user data
 * stream subscribed by signature. Served at `/ws-api/v3` on the simulator's HTTP server.
 *
 * - Requests and responses are JSON text frames `{id, method, params}` →
 *   `{id, status, result | error}` (web-socket-api.md "Request format", "Response format").
 * - `userDataStream.subscribe.signature` is signed like every SIGNED request: HMAC-SHA256 of
 *   the params sorted by name, `timestamp` within `recvWindow` ("SIGNED request security",
 *   "Timing security"). Several accounts may be subscribed on one connection, one
 *   subscription per account, at most 1,000 at a time and 65,535 over the connection's life
 *   ("User Data Stream subscription").
 * - Events arrive as `{subscriptionId, event}` (user-data-stream.md): `executionReport` for
 *   NEW, TRADE (PARTIALLY_FILLED / FILLED), CANCELED and EXPIRED, `outboundAccountPosition`
 *   after balances move, `eventStreamTerminated` when a subscription ends (unsubscribe, or the
 *   key revoked — the docs name unsubscribe and logout; revocation is this simulator's model
 *   of a key that stops being valid).
 * - A connection lives at most 24 h; closing the simulator sends `serverShutdown`.
 *
 * Control API (not Binance's), under `/__sim/ws/`: faults on event delivery (drop the
 * connection, delay, duplicate, reorder), revoking a key, and counters. See README.md.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type Account, BinanceError, err, type Exchange, type ExchangeEvent } from "./exchange.ts";
import { streamEventsOf } from "./ws_events.ts";

export const WS_API_PATH = "/ws-api/v3";
const CONTROL_PREFIX = "/__sim/ws/";

/** The simulator's HTTP handler routes these paths here. */
export const isWsApiPath = (path: string) =>
  path === WS_API_PATH || path.startsWith(CONTROL_PREFIX);

/** web-socket-api.md "User Data Stream subscription": limits of one session. */
const MAX_ACTIVE_SUBSCRIPTIONS = 1000;
const MAX_LIFETIME_SUBSCRIPTIONS = 65_535;
/** web-socket-api.md "General API Information": a connection is valid for 24 hours. */
const CONNECTION_LIFETIME_MS = 24 * 3600 * 1000;
const DEFAULT_RECV_WINDOW = 5000;
/** Weights (web-socket-api.md "IP limits", "userDataStream.subscribe.signature"). */
const WEIGHT = { connect: 2, subscribe: 2, unsubscribe: 2, subscriptions: 2, other: 1 };

interface Subscription {
  id: number;
  apiKey: string;
  account: Account;
}

interface Conn {
  socket: WebSocket;
  subs: Map<number, Subscription>;
  nextSubId: number;
  lifetime: number;
}

type FaultKind = "drop" | "delay" | "duplicate" | "reorder";

interface Fault {
  kind: FaultKind;
  apiKey?: string;
  /** Only events of this type (`executionReport`, `outboundAccountPosition`). */
  event?: string;
  remaining: number;
  delayMs: number;
  /** reorder: frames held back, sent in reverse once `remaining` reaches 0 (or after 1 s). */
  held: { conn: Conn; frame: string }[];
  flush?: number;
}

export interface WsApiStats {
  connections: number;
  open_connections: number;
  active_subscriptions: number;
  requests: Record<string, number>;
  weight: number;
  events_sent: number;
}

class WsApi {
  readonly #conns = new Set<Conn>();
  #faults: Fault[] = [];
  #stats = { connections: 0, requests: {} as Record<string, number>, weight: 0, events: 0 };
  #executionId = 1;
  readonly #stop: () => void;
  readonly #sweep: number;

  constructor(readonly exchange: Exchange) {
    this.#stop = exchange.onEvent((e) => this.#onExchangeEvent(e));
    // A key revoked elsewhere (the account removed or replaced) ends its subscriptions.
    this.#sweep = setInterval(() => this.#checkKeys(), 200);
  }

  // -- the Binance side ----------------------------------------------------------------

  upgrade(req: Request): Response {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket API: upgrade required", { status: 426 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req);
    const conn: Conn = { socket, subs: new Map(), nextSubId: 0, lifetime: 0 };
    this.#stats.connections++;
    this.#stats.weight += WEIGHT.connect;
    socket.onopen = () => {
      this.#conns.add(conn);
      conn.lifetime = setTimeout(() => this.#drop(conn, 1000, "24h"), CONNECTION_LIFETIME_MS);
    };
    socket.onclose = () => this.#forget(conn);
    socket.onerror = () => this.#forget(conn);
    socket.onmessage = (m) => this.#request(conn, m.data);
    return response;
  }

  #forget(conn: Conn) {
    clearTimeout(conn.lifetime);
    this.#conns.delete(conn);
    conn.subs.clear();
  }

  #drop(conn: Conn, code: number, reason: string) {
    this.#forget(conn);
    try {
      conn.socket.close(code, reason);
    } catch {
      // Already closing.
    }
  }

  #send(conn: Conn, frame: string) {
    if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(frame);
  }

  #request(conn: Conn, data: unknown) {
    let id: unknown = null;
    let method = "";
    try {
      if (typeof data !== "string") throw new BinanceError(400, -1000, "Text frames only.");
      let req: { id?: unknown; method?: unknown; params?: unknown };
      try {
        req = JSON.parse(data);
      } catch {
        throw new BinanceError(400, -1000, "Malformed request.");
      }
      id = req.id ?? null;
      method = typeof req.method === "string" ? req.method.replace(/^v3\//, "") : "";
      const params = (req.params && typeof req.params === "object" ? req.params : {}) as Record<
        string,
        unknown
      >;
      this.#stats.requests[method] = (this.#stats.requests[method] ?? 0) + 1;
      const result = this.#call(conn, method, params);
      this.#send(conn, JSON.stringify({ id, status: 200, result }));
    } catch (e) {
      const be = e instanceof BinanceError ? e : new BinanceError(500, -1000, "Internal error.");
      this.#send(
        conn,
        JSON.stringify({ id, status: be.status, error: { code: be.code, msg: be.message } }),
      );
    }
  }

  #call(conn: Conn, method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case "userDataStream.subscribe.signature": {
        this.#stats.weight += WEIGHT.subscribe;
        const account = verifySigned(this.exchange, params);
        for (const sub of conn.subs.values()) {
          if (sub.account === account) {
            throw new BinanceError(400, -2035, "User Data Stream subscription already active.");
          }
        }
        if (conn.subs.size >= MAX_ACTIVE_SUBSCRIPTIONS) {
          throw new BinanceError(400, -1191, "Too many subscriptions.");
        }
        if (conn.nextSubId >= MAX_LIFETIME_SUBSCRIPTIONS) {
          throw new BinanceError(
            400,
            -2042,
            "Maximum subscription ID reached for this connection.",
          );
        }
        const sub = { id: conn.nextSubId++, apiKey: account.apiKey, account };
        conn.subs.set(sub.id, sub);
        return { subscriptionId: sub.id };
      }
      case "userDataStream.unsubscribe": {
        this.#stats.weight += WEIGHT.unsubscribe;
        const which = params.subscriptionId;
        const ids = which === undefined ? [...conn.subs.keys()] : [Number(which)];
        if (which !== undefined && !conn.subs.has(Number(which))) {
          throw new BinanceError(400, -2036, "User Data Stream subscription not active.");
        }
        // user-data-stream.md "Event Stream Terminated": sent when unsubscribed.
        for (const subId of ids) this.#terminate(conn, subId);
        return {};
      }
      case "session.subscriptions":
        this.#stats.weight += WEIGHT.subscriptions;
        return [...conn.subs.keys()].map((subscriptionId) => ({ subscriptionId }));
      case "ping":
        this.#stats.weight += WEIGHT.other;
        return {};
      case "time":
        this.#stats.weight += WEIGHT.other;
        return { serverTime: Date.now() };
      default:
        throw new BinanceError(400, -1100, `Unknown method '${method.slice(0, 64)}'.`);
    }
  }

  #terminate(conn: Conn, subId: number) {
    if (!conn.subs.delete(subId)) return;
    this.#send(
      conn,
      JSON.stringify({
        subscriptionId: subId,
        event: { e: "eventStreamTerminated", E: Date.now() },
      }),
    );
  }

  #checkKeys() {
    for (const conn of this.#conns) {
      for (const sub of [...conn.subs.values()]) {
        const current = this.exchange.accounts.get(sub.apiKey);
        if (current !== sub.account || current.revoked) this.#terminate(conn, sub.id);
      }
    }
  }

  // -- events --------------------------------------------------------------------------

  #onExchangeEvent(e: ExchangeEvent) {
    const events = streamEventsOf(this.exchange, e, () => this.#executionId++);
    for (const conn of [...this.#conns]) {
      for (const sub of conn.subs.values()) {
        if (sub.account !== e.account) continue;
        for (const event of events) this.#deliver(conn, sub, event);
      }
    }
  }

  #deliver(conn: Conn, sub: Subscription, event: Record<string, unknown>) {
    const frame = JSON.stringify({ subscriptionId: sub.id, event });
    const fault = this.#faults.find((f) =>
      f.remaining > 0 && (f.apiKey === undefined || f.apiKey === sub.apiKey) &&
      (f.event === undefined || f.event === event.e)
    );
    this.#stats.events++;
    if (!fault) return this.#send(conn, frame);
    fault.remaining--;
    switch (fault.kind) {
      case "drop":
        // The event is lost with the connection, as on a real network failure.
        this.#drop(conn, 4000, "dropped by the simulator");
        break;
      case "delay":
        setTimeout(() => this.#send(conn, frame), fault.delayMs);
        break;
      case "duplicate":
        this.#send(conn, frame);
        this.#send(conn, frame);
        break;
      case "reorder":
        fault.held.push({ conn, frame });
        if (fault.remaining === 0) this.#flush(fault);
        else if (fault.flush === undefined) {
          fault.flush = setTimeout(() => this.#flush(fault), 1000);
        }
        break;
    }
    this.#faults = this.#faults.filter((f) => f.remaining > 0 || f.held.length > 0);
  }

  #flush(fault: Fault) {
    clearTimeout(fault.flush);
    fault.flush = undefined;
    const held = fault.held.splice(0).reverse();
    for (const { conn, frame } of held) this.#send(conn, frame);
    this.#faults = this.#faults.filter((f) => f.remaining > 0 || f.held.length > 0);
  }

  // -- control API ---------------------------------------------------------------------

  async control(req: Request, path: string): Promise<Response> {
    const body = req.method === "POST" ? await req.json().catch(() => ({})) : {};
    const ok = (x: unknown) => Response.json(x);
    const bad = (msg: string) => Response.json({ error: msg }, { status: 400 });
    const apiKey = typeof body.api_key === "string" ? body.api_key : undefined;
    const route = path.slice(CONTROL_PREFIX.length);
    if (route === "faults" && req.method === "DELETE") {
      for (const f of this.#faults) this.#flush(f);
      this.#faults = [];
      return ok({});
    }
    if (route === "faults" && req.method === "POST") {
      const kinds: FaultKind[] = ["drop", "delay", "duplicate", "reorder"];
      if (!kinds.includes(body.kind)) return bad(`kind must be one of ${kinds.join(", ")}`);
      const count = Number(body.count ?? 1);
      if (!(count >= 1 && count <= 10_000)) return bad("count must be 1..10000");
      this.#faults.push({
        kind: body.kind,
        apiKey,
        event: typeof body.event === "string" ? body.event : undefined,
        remaining: count,
        delayMs: Math.min(Number(body.delay_ms ?? 500), 60_000),
        held: [],
      });
      return ok({ faults: this.#faults.length });
    }
    if (route === "drop" && req.method === "POST") {
      // Closes now every connection (or those following api_key).
      let dropped = 0;
      for (const conn of [...this.#conns]) {
        if (apiKey && ![...conn.subs.values()].some((s) => s.apiKey === apiKey)) continue;
        this.#drop(conn, 4000, "dropped by the simulator");
        dropped++;
      }
      return ok({ dropped });
    }
    if (route === "revoke" && req.method === "POST") {
      // The key stops working everywhere: REST answers -2015 and its streams terminate.
      const account = apiKey ? this.exchange.accounts.get(apiKey) : undefined;
      if (!account) return bad("unknown api_key");
      this.exchange.accounts.delete(account.apiKey);
      this.#checkKeys();
      return ok({ revoked: true });
    }
    if (route === "stats" && req.method === "GET") return ok(this.stats());
    if (route === "stats" && req.method === "DELETE") {
      this.#stats = { connections: 0, requests: {}, weight: 0, events: 0 };
      return ok({});
    }
    return Response.json({ error: "unknown control endpoint" }, { status: 404 });
  }

  stats(): WsApiStats {
    let active = 0;
    for (const c of this.#conns) active += c.subs.size;
    return {
      connections: this.#stats.connections,
      open_connections: this.#conns.size,
      active_subscriptions: active,
      requests: { ...this.#stats.requests },
      weight: this.#stats.weight,
      events_sent: this.#stats.events,
    };
  }

  close() {
    this.#stop();
    clearInterval(this.#sweep);
    for (const f of this.#faults) clearTimeout(f.flush);
    this.#faults = [];
    for (const conn of [...this.#conns]) {
      // web-socket-api.md "Server Shutdown".
      this.#send(conn, JSON.stringify({ event: { e: "serverShutdown", E: Date.now() } }));
      this.#drop(conn, 1001, "server shutdown");
    }
  }
}

/**
 * web-socket-api.md "SIGNED request security" / "Timing security": the key must exist, the
 * HMAC-SHA256 of every param but `signature`, sorted by name as `k=v&...`, must match
 * (case-insensitive hex), and `timestamp` must be within `recvWindow` (≤ 60000).
 */
export function verifySigned(exchange: Exchange, params: Record<string, unknown>): Account {
  const apiKey = params.apiKey;
  if (typeof apiKey !== "string" || apiKey === "") throw err.mandatory("apiKey");
  const signature = params.signature;
  if (typeof signature !== "string" || signature === "") throw err.mandatory("signature");
  if (params.timestamp === undefined) throw err.mandatory("timestamp");
  const account = exchange.accounts.get(apiKey);
  // errors.md -2015: an unknown or revoked key (POST /__sim/keys/revoke) is refused.
  if (!account || account.revoked) throw err.invalidKey();
  const payload = Object.keys(params).filter((k) => k !== "signature").sort()
    .map((k) => `${k}=${params[k]}`).join("&");
  const expected = new TextEncoder().encode(
    createHmac("sha256", account.secret).update(payload).digest("hex"),
  );
  const given = new TextEncoder().encode(signature.toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new BinanceError(400, -1022, "Signature for this request is not valid.");
  }
  const timestamp = Number(params.timestamp);
  const recvWindow = Number(params.recvWindow ?? DEFAULT_RECV_WINDOW);
  // errors.md -1130 INVALID_PARAMETER.
  if (!Number.isFinite(timestamp)) {
    throw new BinanceError(400, -1130, "Data sent for parameter 'timestamp' is not valid.");
  }
  if (!(recvWindow > 0) || recvWindow > 60000) {
    throw new BinanceError(400, -1131, "recvWindow must be less than 60000");
  }
  const now = Date.now();
  if (timestamp >= now + 1000 || now - timestamp > recvWindow) {
    throw new BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow.");
  }
  if (!account.permissions.enableReading) throw err.invalidKey();
  return account;
}

const instances = new WeakMap<Exchange, WsApi>();

function instance(exchange: Exchange): WsApi {
  let api = instances.get(exchange);
  if (!api) {
    api = new WsApi(exchange);
    instances.set(exchange, api);
  }
  return api;
}

/** Serves `/ws-api/v3` (WebSocket upgrade) and the `/__sim/ws/` control API. */
export function handleWsApi(exchange: Exchange, req: Request): Response | Promise<Response> {
  const path = new URL(req.url).pathname;
  const api = instance(exchange);
  return path === WS_API_PATH ? api.upgrade(req) : api.control(req, path);
}

/** Ends every connection (with `serverShutdown`) and the listener; for the simulator's close. */
export function closeWsApi(exchange: Exchange) {
  instances.get(exchange)?.close();
  instances.delete(exchange);
}
