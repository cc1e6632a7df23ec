/**
 * The shared server wrapper: CORS (preflight included), request id, body size limit, strict
 * JSON, authentication, validation, one JSON log line per request, and the one place where
 * any thrown error becomes an HTTP response.
 */
import { z } from "../vendor/zod.js";
import { AppError, errorBody, toAppError } from "../errors.ts";
import { describeError, jsonLogger, type Logger } from "../log.ts";
import type { Deps, Method, Operation, OperationContext, Timings } from "../operation.ts";
import { UUID } from "../auth.ts";
import { loadConfig } from "../config.ts";
import { buildDeps } from "../deps.ts";
import { corsHeadersFor } from "./cors.ts";
import { parseStrictJson } from "./json.ts";

export type Handler = (req: Request) => Promise<Response>;

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Answers up to this many characters are sent uncompressed. Deno.serve compresses every JSON
 * answer whose caller accepts gzip or br, and Deno's fetch, Go's http.Client and browsers all
 * do; an answer this small fits one TCP segment either way, so compressing it only costs both
 * ends CPU (docs/DECISIONS.md, "Small answers are not compressed").
 */
export const SMALL_ANSWER_CHARS = 1024;

/** Bodies this large are read (and dropped) so the client gets its 413 rather than EPIPE. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads the body within `deadlineMs`: a body trickled in (1 byte a second) would otherwise hold
 * the request, a connection and an isolate as long as the platform allows.
 */
async function readBody(req: Request, maxBytes: number, deadlineMs: number): Promise<string> {
  if (!req.body) return "";
  let timer: number | undefined;
  let onLate = () => {};
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onLate();
      reject(
        new AppError("REQUEST_TIMEOUT", `The request body did not arrive within ${deadlineMs} ms`),
      );
    }, deadlineMs);
  });
  // A body whose length is declared and allowed is read in one piece (HTTP framing holds it to
  // that length). Read through a stream reader, every read of Deno's resource-backed body
  // allocates a 64 KiB buffer (ext:deno_web/06_streams.js, DEFAULT_CHUNK_SIZE): measured side
  // by side, the one-piece read saves ~0.5 ms of CPU per request and most of the p99 (docs/
  // DECISIONS.md, "Reading the request body"). Otherwise (chunked, or declared too large) chunks
  // are counted as they come and the stream is cancelled when late.
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d{1,9}$/.test(declared) && Number(declared) <= maxBytes) {
    const whole = req.arrayBuffer();
    // When the deadline wins, the read may still fail later (the client gives up): not an error.
    whole.catch(() => {});
    try {
      return decodeUtf8(new Uint8Array(await Promise.race([whole, late])));
    } finally {
      clearTimeout(timer);
    }
  }
  const reader = req.body.getReader();
  onLate = () => reader.cancel().catch(() => {});
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    return await Promise.race([collect(), late]);
  } finally {
    clearTimeout(timer);
  }

  async function collect(): Promise<string> {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        if (size > DRAIN_LIMIT_BYTES) {
          await reader.cancel().catch(() => {});
          throw tooLarge(maxBytes);
        }
        continue;
      }
      chunks.push(value);
    }
    if (size > maxBytes) throw tooLarge(maxBytes);
    const all = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      all.set(c, offset);
      offset += c.byteLength;
    }
    return decodeUtf8(all);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new AppError("VALIDATION_ERROR", "Request body is not valid UTF-8");
  }
}

function tooLarge(maxBytes: number) {
  return new AppError("PAYLOAD_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
}

function queryInput(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(out, key)) {
      throw new AppError("VALIDATION_ERROR", `Duplicate query parameter: ${key.slice(0, 64)}`, {
        field: key.slice(0, 64),
      });
    }
    out[key] = value;
  }
  return out;
}

async function inputOf(
  req: Request,
  method: Method,
  maxBytes: number,
  deadlineMs: number,
): Promise<Record<string, unknown>> {
  const url = new URL(req.url);
  if (method === "GET") return queryInput(url);
  const text = await readBody(req, maxBytes, deadlineMs);
  if (text.trim() === "") return {};
  const parsed = parseStrictJson(text);
  if (!parsed.ok) throw new AppError("VALIDATION_ERROR", parsed.message);
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("VALIDATION_ERROR", "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** zod's first issue as a VALIDATION_ERROR naming the field. */
export function validationError(error: z.ZodError): AppError {
  const issues = error.issues.slice(0, 10).map((i) => ({
    field: i.path.map(String).join(".") || undefined,
    message: i.message,
  }));
  const first = error.issues[0];
  let field = first.path.map(String).join(".");
  let message = first.message;
  if (first.code === "unrecognized_keys") {
    field = String(first.keys[0]).slice(0, 64);
    message = `unknown field${first.keys.length > 1 ? "s" : ""}: ${
      first.keys.map((k) => String(k).slice(0, 64)).join(", ")
    }`;
  }
  return new AppError(
    "VALIDATION_ERROR",
    field && first.code !== "unrecognized_keys" ? `${field}: ${message}` : message,
    { field: field || undefined, details: { issues } },
  );
}

function actingUser(
  op: Operation,
  ctx: Pick<OperationContext, "caller">,
  raw: Record<string, unknown>,
): string | null {
  const given = raw.user_id;
  delete raw.user_id;
  if (ctx.caller.kind === "user") {
    if (given !== undefined && given !== ctx.caller.userId) {
      throw new AppError("VALIDATION_ERROR", "user_id is only for service callers", {
        field: "user_id",
      });
    }
    return ctx.caller.userId;
  }
  if (given === undefined) {
    if (op.allowAllUsers) return null;
    throw new AppError("VALIDATION_ERROR", "user_id is required for service callers", {
      field: "user_id",
    });
  }
  if (typeof given !== "string" || !UUID.test(given)) {
    throw new AppError("VALIDATION_ERROR", "user_id must be a user's UUID", { field: "user_id" });
  }
  return given.toLowerCase();
}

/** An HTTP handler for one operation; `deps` is shared by every request of the isolate. */
export function makeHandler(op: Operation, deps: Deps | (() => Deps)): Handler {
  const getDeps = typeof deps === "function" ? deps : () => deps;
  return async (req) => {
    const started = performance.now();
    const d = getDeps();
    // Our own id, always: a caller's x-request-id is logged beside it, never adopted (two
    // callers could otherwise make their requests indistinguishable in the logs).
    const requestId = crypto.randomUUID();
    const given = req.headers.get("x-request-id");
    const clientRequestId = given && REQUEST_ID_RE.test(given) ? given : undefined;
    const cors = corsHeadersFor(req.headers.get("origin"), d.config.corsOrigins);
    if (req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { ...cors, "x-request-id": requestId } });
    }
    const timings: Timings = { dbMs: 0, exchangeMs: 0, exchangeRequests: 0 };
    const responseHeaders = new Headers();
    let status = 200;
    let outcome = "ok";
    let userId: string | null | undefined;
    let ctx: OperationContext | undefined;
    let body: string;
    try {
      const method = req.method as Method;
      const schema = op.input[method];
      if (!schema) {
        throw new AppError("METHOD_NOT_ALLOWED", `${req.method} is not supported by ${op.name}`);
      }
      const caller = await d.auth.authenticate(req.headers);
      const raw = await inputOf(req, method, d.config.maxBodyBytes, d.config.bodyDeadlineMs);
      userId = actingUser(op, { caller }, raw);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw validationError(parsed.error);
      ctx = {
        deps: d,
        caller,
        userId,
        method,
        requestId,
        headers: req.headers,
        timings,
        responseHeaders,
      };
      const result = await op.run(parsed.data, ctx);
      body = JSON.stringify(result);
      // An operation that answers 200 with failures inside (sync-orders) says so in the log.
      if (ctx.outcome !== undefined) outcome = ctx.outcome;
    } catch (thrown) {
      const err = toAppError(thrown);
      status = err.status;
      outcome = err.code;
      if (err.retryAfter !== undefined) {
        responseHeaders.set("retry-after", String(Math.max(1, Math.ceil(err.retryAfter))));
      }
      if (status === 405) responseHeaders.set("allow", Object.keys(op.input).join(", "));
      body = JSON.stringify(errorBody(err, requestId));
      if (status >= 500) {
        d.log.error("request_failed", {
          request_id: requestId,
          function: op.name,
          ...describeError(thrown),
        });
      }
    }
    (outcome === "ok" || status >= 400 ? d.log.info : d.log.warn).call(d.log, "request", {
      request_id: requestId,
      client_request_id: clientRequestId,
      function: op.name,
      method: req.method,
      user_id: userId ?? undefined,
      outcome,
      status,
      duration_ms: round(performance.now() - started),
      exchange_ms: round(timings.exchangeMs),
      exchange_requests: timings.exchangeRequests,
      db_ms: round(timings.dbMs),
    });
    // A plain record: a Headers object is copied through its sorted iterator by Response
    // (~29 kB allocated and ~16 µs per answer, measured), a record by its keys. Names are
    // lower case, so a later one replaces an earlier one as Headers.set would.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(cors)) headers[k.toLowerCase()] = v;
    for (const [k, v] of responseHeaders) headers[k.toLowerCase()] = v;
    headers["content-type"] = "application/json; charset=utf-8";
    headers["x-request-id"] = requestId;
    // `no-transform` tells Deno.serve (and any proxy on the way) to send the body as it is.
    headers["cache-control"] = body.length <= SMALL_ANSWER_CHARS
      ? "no-store, no-transform"
      : "no-store";
    return new Response(body, { status, headers });
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

let guarded = false;

/**
 * Keeps one library's stray exception from killing every request of the isolate. postgres.js
 * 3.4.9 under Deno's node streams throws from a timer when a socket closes under queued
 * queries ("Cannot read properties of null (reading 'write')"); the queries themselves fail
 * with CONNECTION_CLOSED and are answered as such. The error is logged, never swallowed
 * silently.
 */
export function installCrashGuard(log: Logger): void {
  if (guarded) return;
  guarded = true;
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    log.error("uncaught_error", describeError(event.error));
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled_rejection", describeError(event.reason));
  });
}

/**
 * Serves one operation as a Supabase Edge Function. Configuration is read from the
 * environment here, once per isolate, on the first request (so a cold isolate answers its
 * preflight without touching Postgres). `PORT` matters only when run as a plain process.
 */
export function serve(op: Operation): void {
  let deps: Deps | undefined;
  const handler = makeHandler(op, () => deps ??= buildDeps(loadConfig()));
  installCrashGuard(jsonLogger());
  const port = Number(Deno.env.get("PORT") ?? "8000");
  Deno.serve({ port, hostname: Deno.env.get("HOST") ?? "0.0.0.0", onListen: () => {} }, handler);
}
