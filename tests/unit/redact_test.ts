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

Deno.test("redact still catches each kind of secret written in any case", () => {
  // The quick pre-check in redact() must let every pattern's trigger through, whatever its case.
  const cases: [string, string][] = [
    ["GET /api/v3/order?SIGNATURE=0a1b2c3d4e", "0a1b2c3d4e"],
    ["X-Mbx-ApiKey: KEYVALUE12345", "KEYVALUE12345"],
    ["Api_Key=KEYVALUE12345&x=1", "KEYVALUE12345"],
    ['{"Secret":"ZZVALUE99"}', "ZZVALUE99"],
    ["PASSWORD: hunter2hunter2", "hunter2hunter2"],
    ["Token=ZZVALUE777", "ZZVALUE777"],
    ["authorization: BEARER opaqueValue42", "opaqueValue42"],
    ["jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl here", "eyJzdWIiOiIxMjM0"],
    ["PostgreSQL://app:Zq8x7Vw2@db.local/x", "Zq8x7Vw2"],
  ];
  for (const [text, secret] of cases) {
    const out = redact(text);
    assert.ok(!out.includes(secret), `${secret} leaked from ${JSON.stringify(text)}: ${out}`);
  }
  const plain = "request create-order ok 200 00000000-0000-4000-8000-00000000de00";
  assert.equal(redact(plain), plain);
});
