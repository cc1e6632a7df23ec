import assert from "node:assert/strict";
import { jsonLogger, redact } from "../../supabase/functions/_shared/log.ts";

Deno.test("redact removes signatures, keys, tokens and database passwords", () => {
  const text =
    "binance GET http://x/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abcdef0123 " +
    "X-MBX-APIKEY: AKEY123456789 Bearer eyJhbGciOi.eyJzdWIiOi.sig postgres://u:pw@h/db";
  const out = redact(text);
  for (const secret of ["abcdef0123", "AKEY123456789", "eyJhbGciOi", ":pw@"]) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
});

Deno.test("the JSON logger redacts secret-named fields and known values", () => {
  const lines: string[] = [];
  const log = jsonLogger((l) => lines.push(l));
  log.info("x", { secret: "s3cr3tvalue", nested: { api_key: "k3yvalue" }, msg: "signature=ff00" });
  const line = lines[0];
  assert.ok(!line.includes("s3cr3tvalue") && !line.includes("k3yvalue") && !line.includes("ff00"));
});
