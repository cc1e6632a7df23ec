import assert from "node:assert/strict";
import { findDuplicateKey, parseStrictJson } from "../../supabase/functions/_shared/http/json.ts";

Deno.test("strict JSON refuses duplicate keys at any depth", () => {
  assert.equal(findDuplicateKey('{"a":1,"b":{"c":1,"c":2}}'), "c");
  assert.equal(findDuplicateKey('{"a":1,"a":2}'), "a");
  assert.equal(findDuplicateKey('{"a":"x\\"a","b":[{"a":1},{"a":2}]}'), undefined);
  assert.equal(findDuplicateKey('{"\\u0061":1,"a":2}'), "a");
  assert.equal(parseStrictJson("{").ok, false);
  assert.deepEqual(parseStrictJson('{"x":[1,2]}'), { ok: true, value: { x: [1, 2] } });
});
