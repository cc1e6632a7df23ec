/**
 * CORS for browsers. The allowed request headers are the ones supabase-js sends (its
 * `@supabase/supabase-js/cors` list, which tests/unit/cors_test.ts compares with this one) plus
 * the ones this API reads. The list is written out rather than imported: that import loads
 * supabase-js into every function (~9 MB of memory, ~0.5 MB of deploy bundle) for one string.
 */
export const SUPABASE_JS_HEADERS = [
  "authorization",
  "x-client-info",
  "apikey",
  "content-type",
  "x-retry-count",
  "traceparent",
  "tracestate",
  "baggage",
];
const EXTRA_ALLOWED = ["idempotency-key", "x-request-id"];
const EXPOSED = ["x-request-id", "retry-after", "idempotent-replayed"];

const allowHeaders = [...SUPABASE_JS_HEADERS, ...EXTRA_ALLOWED].join(", ");

export function corsHeadersFor(origin: string | null, allowed: string[]): Record<string, string> {
  const base: Record<string, string> = {
    "Access-Control-Allow-Headers": allowHeaders,
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Expose-Headers": EXPOSED.join(", "),
    "Access-Control-Max-Age": "86400",
  };
  if (allowed.includes("*")) return { ...base, "Access-Control-Allow-Origin": "*" };
  if (origin && allowed.includes(origin)) {
    return { ...base, "Access-Control-Allow-Origin": origin, Vary: "Origin" };
  }
  return { ...base, Vary: "Origin" };
}
