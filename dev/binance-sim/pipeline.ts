/**
 * One Binance request from arrival to answer: latency and faults, the route, the IP's
 * request weight, the signature and key, the parameters read (-1104), the account's order
 * count, the handler, and the answer with Binance's headers.
 */
import { authenticate, outsideRecvWindow } from "./auth.ts";
import { BinanceError } from "./errors.ts";
import type { Account } from "./exchange.ts";
import { afterExecute, serverError } from "./faults.ts";
import { banned, tooMuchWeight } from "./limits.ts";
import { checkAllRead } from "./params.ts";
import { errorResponse, json } from "./responses.ts";
import { type LogEntry, type Route, type SimState, sleep } from "./state.ts";

export type Entry = Omit<LogEntry, "seq" | "time">;

export async function handleBinance(
  state: SimState,
  routes: Record<string, Route>,
  req: Request,
  ip: string,
): Promise<{ res: Response; entry: Entry }> {
  const url = new URL(req.url);
  const path = url.pathname;
  const route = routes[`${req.method} ${path}`];
  const body = req.method === "GET" ? "" : await req.text();
  const query = url.search.replace(/^\?/, "");
  // rest-api.md: query string and body together; a name in both takes the query's value.
  const params = new URLSearchParams(query);
  if (body) {
    for (const [k, v] of new URLSearchParams(body)) if (!params.has(k)) params.append(k, v);
  }
  const apiKey = req.headers.get("x-mbx-apikey");
  const entry: Entry = {
    method: req.method,
    path,
    weight: 0,
    signed: !!route?.signed,
    api_key: apiKey,
    status: 200,
  };
  const done = (res: Response) => {
    entry.status = res.status;
    return { res, entry };
  };
  const now = Date.now();

  if (state.baseLatency > 0) await sleep(state.baseLatency, state.aborts.signal);
  const fault = state.faults.take(req.method, path, apiKey);
  if (fault?.kind === "latency") await sleep(fault.latencyMs, state.aborts.signal);

  if (!route) return done(json(404, { code: -1000, msg: "Unknown endpoint." }));

  // LIMITS: an IP ban answers 418 until it ends; a full weight window answers 429.
  const weight = route.weight(params);
  entry.weight = weight;
  const admitted = state.limits.admitRequest(ip, weight, now);
  if (admitted.error) {
    return done(errorResponse(admitted.error, {
      "retry-after": String(admitted.retryAfter),
      ...(admitted.error.status === 429 ? state.limits.weightHeaders(ip, now) : {}),
    }));
  }
  const headers: Record<string, string> = state.limits.weightHeaders(ip, now);

  if (fault && fault.kind !== "latency" && fault.kind !== "clock_skew" && !afterExecute(fault)) {
    switch (fault.kind) {
      case "server_error":
        return done(serverError(fault, headers));
      case "http_500":
        return done(new Response("Internal Server Error", { status: 500 }));
      case "http_503":
        return done(new Response("Service Unavailable", { status: 503 }));
      case "rate_limit_429":
        return done(errorResponse(
          tooMuchWeight(ip, state.limits.config.weightPerMinute),
          { "retry-after": String(fault.retryAfter), ...headers },
        ));
      case "ban_418":
        return done(errorResponse(
          banned(ip, now + fault.retryAfter * 1000),
          { "retry-after": String(fault.retryAfter), ...headers },
        ));
      case "reset": {
        const broken = new ReadableStream({ start: (c) => c.error(new Error("connection reset")) });
        const res = new Response(broken, { status: 200 });
        entry.status = 0;
        return { res, entry };
      }
    }
  }

  let account: Account | undefined;
  let counted = false;
  try {
    if (route.signed) {
      account = authenticate(state.exchange, req, { query, body }, params, route);
      if (fault?.kind === "clock_skew") throw outsideRecvWindow();
    }
    checkAllRead(params, route.params, route.signed);
    if (route.order && account) {
      const verdict = state.limits.admitOrder(account, now);
      if (verdict.error) {
        return done(errorResponse(verdict.error, {
          "retry-after": String(verdict.retryAfter),
          ...headers,
        }));
      }
      counted = true;
    }
    let result: unknown;
    try {
      result = route.handler({ params, account, state });
    } catch (e) {
      // "Executed, then 5xx": whatever the outcome, the caller only sees the error.
      if (!(fault?.kind === "server_error" && e instanceof BinanceError)) throw e;
    }
    if (route.order && account) Object.assign(headers, state.limits.orderHeaders(account, now));
    if (fault?.kind === "server_error") return done(serverError(fault, headers));
    if (fault?.kind === "timeout_after_execute") {
      // rest-api.md "General API Information": a timeout means the execution status is
      // UNKNOWN. The order was executed; the answer never comes before the client gives up.
      await sleep(fault.latencyMs, state.aborts.signal);
      return done(new Response("Gateway Timeout", { status: 504 }));
    }
    return done(json(200, result as object, headers));
  } catch (e) {
    // rest-api.md "Unfilled Order Count": only accepted orders count.
    if (counted && account) state.limits.uncount(account);
    if (e instanceof BinanceError) return done(errorResponse(e, headers));
    console.error("simulator bug:", e);
    return done(
      json(500, { code: -1000, msg: "An unknown error occurred while processing the request." }),
    );
  }
}
