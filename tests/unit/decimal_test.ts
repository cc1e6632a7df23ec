import assert from "node:assert/strict";
import {
  compare,
  isMultipleOf,
  multiply,
  normalize,
  numberToDecimal,
} from "../../supabase/functions/_shared/decimal.ts";

Deno.test("decimal arithmetic is exact where floats are not", () => {
  assert.equal(multiply("0.1", "3"), "0.3");
  assert.equal(compare("0.30", "0.3"), 0);
  assert.equal(compare("0.00001", "0.000011"), -1);
  assert.equal(isMultipleOf("0.00123", "0.00001"), true);
  assert.equal(isMultipleOf("0.000123", "0.00001"), false);
  assert.equal(normalize("10.500"), "10.5");
});

Deno.test("numberToDecimal writes ccxt's float limits as plain decimals", () => {
  assert.equal(numberToDecimal(1e-8), "0.00000001");
  assert.equal(numberToDecimal(0.1 + 0.2), "0.3");
  assert.equal(numberToDecimal(1e21), "1000000000000000000000");
  assert.throws(() => numberToDecimal(Number.NaN));
});
