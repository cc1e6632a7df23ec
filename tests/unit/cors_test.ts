/** The functions' CORS list lets through every header supabase-js sends from a browser. */
import assert from "node:assert/strict";
import { corsHeaders } from "@supabase/supabase-js/cors";
import { corsHeadersFor, SUPABASE_JS_HEADERS } from "../../supabase/functions/_shared/http/cors.ts";

Deno.test("every header in supabase-js's own CORS list is allowed", () => {
  const theirs = corsHeaders["Access-Control-Allow-Headers"].split(",").map((h) => h.trim());
  assert.deepEqual([...theirs].sort(), [...SUPABASE_JS_HEADERS].sort());
  const allowed = corsHeadersFor("https://app.example", ["https://app.example"])[
    "Access-Control-Allow-Headers"
  ].split(", ");
  for (const h of [...theirs, "idempotency-key", "x-request-id"]) {
    assert.ok(allowed.includes(h), h);
  }
});
