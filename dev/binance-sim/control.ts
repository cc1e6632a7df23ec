/**
 * The control API under `/__sim/` (not Binance's; JSON in and out): accounts, keys,
 * balances, fees, prices, symbol status, the request log, faults, limits, latency, reset.
 * docs/CONTRACTS.md lists every endpoint.
 */
import { fmt } from "./catalogue.ts";
import { SYMBOL_STATUSES, type SymbolStatus } from "./exchange.ts";
import { fillJson, json, orderJson } from "./responses.ts";
import type { SimState } from "./state.ts";

type Body = Record<string, unknown>;

export async function control(state: SimState, req: Request, url: URL): Promise<Response> {
  const path = url.pathname;
  const { exchange } = state;
  const body: Body = req.method === "POST" ? await req.json().catch(() => ({})) : {};
  const ok = (x: unknown) => json(200, x);
  const bad = (msg: string) => json(400, { error: msg });
  const accountOf = () => exchange.accounts.get(String(body.api_key));
  const post = (p: string) => req.method === "POST" && path === p;

  if (post("/__sim/accounts")) {
    const keyType = body.key_type ?? "HMAC";
    if (keyType !== "HMAC" && keyType !== "Ed25519") return bad("key_type must be HMAC or Ed25519");
    if (keyType === "Ed25519" && typeof body.public_key !== "string") {
      return bad("public_key (PEM) is required for an Ed25519 key");
    }
    const a = exchange.createAccount({
      apiKey: body.api_key as string | undefined,
      secret: (keyType === "Ed25519" ? body.public_key : body.secret) as string | undefined,
      keyType,
      balances: body.balances as Record<string, string>,
      permissions: body.permissions as Record<string, boolean>,
      bnbBurn: body.bnb_burn === true,
    });
    return ok(keyType === "HMAC" ? { api_key: a.apiKey, secret: a.secret } : { api_key: a.apiKey });
  }
  if (post("/__sim/balances")) {
    const a = accountOf();
    if (!a) return bad("unknown api_key");
    exchange.setBalances(a, (body.balances ?? {}) as Record<string, string>);
    return ok({});
  }
  if (post("/__sim/fees")) {
    const a = accountOf();
    if (!a) return bad("unknown api_key");
    if (typeof body.bnb_burn !== "boolean") return bad("bnb_burn must be true or false");
    a.bnbBurn = body.bnb_burn;
    return ok({ api_key: a.apiKey, bnb_burn: a.bnbBurn });
  }
  if (post("/__sim/keys/revoke") || post("/__sim/keys/restore")) {
    const a = accountOf();
    if (!a) return bad("unknown api_key");
    a.revoked = path.endsWith("/revoke");
    return ok({ api_key: a.apiKey, revoked: a.revoked });
  }
  if (req.method === "GET" && path.startsWith("/__sim/accounts/")) {
    const a = exchange.accounts.get(decodeURIComponent(path.slice("/__sim/accounts/".length)));
    if (!a) return json(404, { error: "unknown api_key" });
    return ok({
      balances: Object.fromEntries(
        [...a.balances].map(([k, b]) => [k, { free: fmt(b.free), locked: fmt(b.locked) }]),
      ),
      orders: [...a.orders.values()].map(orderJson),
      trades: exchange.tradesOf(a).map(({ order, fill }) => ({
        orderId: order.orderId,
        ...fillJson(fill),
      })),
      bnb_burn: a.bnbBurn,
    });
  }
  if (post("/__sim/prices")) {
    const m = exchange.markets.get(String(body.symbol));
    if (!m) return bad("unknown symbol");
    const price = Number(body.price);
    if (!(price > 0)) return bad("price must be positive");
    const levelQuote = body.level_quote !== undefined ? Number(body.level_quote) : undefined;
    if (levelQuote !== undefined && !(levelQuote > 0)) return bad("level_quote must be positive");
    exchange.setPrice(m.spec.symbol, price, levelQuote, body.settle === true);
    return ok({ symbol: m.spec.symbol, price: fmt(m.price) });
  }
  if (post("/__sim/symbols/status")) {
    const m = exchange.markets.get(String(body.symbol));
    if (!m) return bad("unknown symbol");
    if (!SYMBOL_STATUSES.includes(body.status as SymbolStatus)) {
      return bad(`status must be one of ${SYMBOL_STATUSES.join(", ")}`);
    }
    m.status = body.status as SymbolStatus;
    state.exchangeInfoCache = undefined;
    return ok({ symbol: m.spec.symbol, status: m.status });
  }
  if (path === "/__sim/requests") {
    if (req.method === "DELETE") {
      state.log = [];
      return ok({});
    }
    const since = Number(url.searchParams.get("since") ?? 0);
    return ok(state.log.filter((e) => e.seq > since));
  }
  if (path === "/__sim/faults") {
    if (req.method === "DELETE") {
      state.faults.clear();
      return ok({});
    }
    const problem = state.faults.add(body);
    if (problem) return bad(problem);
    return ok({ faults: state.faults.size });
  }
  if (post("/__sim/limits")) {
    const c = state.limits.config;
    state.limits.config = {
      weightPerMinute: Number(body.weight_per_minute ?? c.weightPerMinute),
      ordersPer10s: Number(body.orders_per_10s ?? c.ordersPer10s),
      ordersPerDay: Number(body.orders_per_day ?? c.ordersPerDay),
      banAfter429s: Number(body.ban_after_429s ?? c.banAfter429s),
      banSeconds: Number(body.ban_seconds ?? c.banSeconds),
    };
    if (body.reset_windows) state.limits.resetWindows();
    state.exchangeInfoCache = undefined;
    return ok(state.limits.config);
  }
  if (post("/__sim/latency")) {
    state.baseLatency = Number(body.latency_ms ?? 0);
    return ok({ latency_ms: state.baseLatency });
  }
  if (post("/__sim/reset")) {
    exchange.reset();
    state.faults.clear();
    state.log = [];
    state.limits.resetWindows();
    state.exchangeInfoCache = undefined;
    return ok({});
  }
  return json(404, { error: "unknown control endpoint" });
}
