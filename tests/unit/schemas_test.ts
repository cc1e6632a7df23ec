import assert from "node:assert/strict";
import { createOrderInput } from "../../supabase/functions/_shared/schemas.ts";

const base = { symbol: "BTC/USDT", side: "buy", type: "market" };

Deno.test("amounts must be positive plain decimals", () => {
  for (const amount of [0, -1, "1e-3", 1e-7, "NaN", "Infinity", "", " ", "0x10", "1,5", "+1"]) {
    const r = createOrderInput.safeParse({ ...base, amount });
    assert.equal(r.success, false, `accepted ${JSON.stringify(amount)}`);
  }
  const ok = createOrderInput.safeParse({ ...base, amount: 0.001 });
  assert.equal(ok.success, true);
  assert.equal(ok.data?.amount, "0.001");
});

Deno.test("market orders take exactly one of amount or cost, cost only for buys", () => {
  assert.equal(createOrderInput.safeParse({ ...base }).success, false);
  assert.equal(createOrderInput.safeParse({ ...base, amount: "1", cost: "5" }).success, false);
  assert.equal(createOrderInput.safeParse({ ...base, side: "sell", cost: "5" }).success, false);
  assert.equal(createOrderInput.safeParse({ ...base, cost: "5" }).success, true);
  assert.equal(createOrderInput.safeParse({ ...base, amount: "1", price: "2" }).success, false);
});
