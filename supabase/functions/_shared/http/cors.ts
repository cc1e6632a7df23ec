/**
 * CORS for browsers. The allowed request headers are supabase-js's own list
 * (`@supabase/supabase-js/cors`) plus the ones this API reads.
 */
import { corsHeaders as supabaseCors } from "@supabase/supabase-js/cors";

const EXTRA_ALLOWED = ["idempotency-key", "x-request-id"];
const EXPOSED = ["x-request-id", "retry-after", "idempotent-replayed"];

const allowHeaders = [
  ...new Set([
    ...supabaseCors["Access-Control-Allow-Headers"].split(",").map((h) => h.trim()),
    ...EXTRA_ALLOWED,
  ]),
].join(", ");

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
