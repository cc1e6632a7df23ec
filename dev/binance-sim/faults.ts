/**
 * Injected faults for the next N matching requests (control API `POST /__sim/faults`).
 * Optionally one API key's only, so parallel tests do not share faults. Kinds:
 * - latency: the answer comes `latency_ms` late;
 * - http_500 / http_503: a plain-text error page;
 * - server_error: rest-api.md "HTTP Return Codes" 5xx (execution status unknown) with
 *   Binance's JSON body (errors.md 10xx codes), an HTML page or no body; with `execute` the
 *   request is processed first and the error answered after;
 * - rate_limit_429 / ban_418: Binance's -1003 with Retry-After;
 * - reset: the connection drops;
 * - timeout_after_execute: the request executes, the answer comes too late;
 * - clock_skew: -1021 as if the caller's clock were off.
 */
import { SERVER_ERROR_MESSAGES } from "./errors.ts";
import { json } from "./responses.ts";

export const FAULT_KINDS = [
  "latency",
  "http_500",
  "http_503",
  "rate_limit_429",
  "ban_418",
  "reset",
  "timeout_after_execute",
  "clock_skew",
  "server_error",
] as const;
export type FaultKind = typeof FAULT_KINDS[number];

export interface Fault {
  method?: string;
  path?: string;
  apiKey?: string;
  kind: FaultKind;
  remaining: number;
  latencyMs: number;
  retryAfter: number;
  status: number;
  code: number;
  msg: string;
  body: "json" | "text" | "empty";
  execute: boolean;
}

export class Faults {
  #list: Fault[] = [];

  clear() {
    this.#list = [];
  }

  get size() {
    return this.#list.length;
  }

  /** Adds a fault from the control API's JSON; returns an error message when invalid. */
  add(b: Record<string, unknown>): string | undefined {
    const kind = b.kind as FaultKind;
    if (!FAULT_KINDS.includes(kind)) return `kind must be one of ${FAULT_KINDS.join(", ")}`;
    const status = Number(b.status ?? 500);
    const code = Number(b.code ?? -1006);
    const body = (b.body ?? "json") as Fault["body"];
    if (kind === "server_error") {
      if (![500, 502, 503, 504].includes(status)) return "status must be one of 500, 502, 503, 504";
      if (!Number.isInteger(code)) return "code must be an integer";
      if (!["json", "text", "empty"].includes(body)) return "body must be one of json, text, empty";
      if (b.msg !== undefined && typeof b.msg !== "string") return "msg must be a string";
    }
    const count = Number(b.count ?? 1);
    if (!(Number.isInteger(count) && count > 0)) return "count must be a positive integer";
    this.#list.push({
      method: b.method as string | undefined,
      path: b.path as string | undefined,
      apiKey: b.api_key as string | undefined,
      kind,
      remaining: count,
      latencyMs: Number(b.latency_ms ?? (kind === "timeout_after_execute" ? 30_000 : 100)),
      retryAfter: Number(b.retry_after ?? 2),
      status,
      code,
      msg: (b.msg as string | undefined) ?? SERVER_ERROR_MESSAGES[code] ??
        SERVER_ERROR_MESSAGES[-1000],
      body,
      execute: b.execute === true,
    });
    return undefined;
  }

  /** The first fault matching this request, counted as used. */
  take(method: string, path: string, apiKey: string | null): Fault | undefined {
    const f = this.#list.find((x) =>
      x.remaining > 0 && (!x.method || x.method === method) && (!x.path || x.path === path) &&
      (!x.apiKey || x.apiKey === apiKey)
    );
    if (f) {
      f.remaining--;
      this.#list = this.#list.filter((x) => x.remaining > 0);
    }
    return f;
  }
}

/** Whether the fault answers after the request was processed (it changes state). */
export const afterExecute = (f: Fault) =>
  f.kind === "timeout_after_execute" || (f.kind === "server_error" && f.execute);

/** The 5xx answer of a server_error fault. */
export function serverError(f: Fault, headers: Record<string, string>): Response {
  if (f.body === "json") return json(f.status, { code: f.code, msg: f.msg }, headers);
  if (f.body === "empty") return new Response(null, { status: f.status, headers });
  return new Response(
    `<html><body><h1>${f.status} Server Error</h1></body></html>`,
    { status: f.status, headers: { "content-type": "text/html", ...headers } },
  );
}
