/**
 * fetch-order of a finished order that Binance reports unchanged answers from the stored row
 * with no write (docs/DECISIONS.md, "fetch-order of a finished order"); an order Binance reports
 * further along is still recorded.
 */
import assert from "node:assert/strict";
import { needsStack, newTrader, withSql } from "../helpers/stack.ts";
import { finalAndUnchanged } from "../../supabase/functions/_shared/ops/order_ops.ts";
import type { OrderRow } from "../../supabase/functions/_shared/db.ts";

Deno.test({
  name: "fetch-order of a filled order answers as create-order did, writing nothing",
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const placed = await t.call("create-order", {
      symbol: "BTC/USDT",
      side: "buy",
      type: "market",
      amount: "0.001",
    });
    assert.equal(placed.status, 200, JSON.stringify(placed.body));
    assert.equal(placed.body.order.status, "closed");
    const row = async () =>
      await withSql(async (sql) =>
        (await sql`select updated_at::text as u, filled::text as f from public.orders
                   where user_id = ${t.userId}`)[0]
      );
    const before = await row();
    for (
      const by of [{ id: placed.body.order.id }, {
        client_order_id: placed.body.order.client_order_id,
      }]
    ) {
      const fetched = await t.call("fetch-order", { symbol: "BTC/USDT", ...by });
      assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
      assert.deepEqual(fetched.body.order, placed.body.order);
      assert.deepEqual(fetched.body.position, placed.body.position);
    }
    assert.deepEqual(await row(), before, "the order row was not written");
  },
});

const stored = (over: Partial<OrderRow>) =>
  ({
    exchange_order_id: "42",
    status: "closed",
    filled: "0.5",
    ...over,
  }) as OrderRow;
// rest-api.md "Query order": the answer's `status` and `executedQty` (a decimal string).
const answer = (status: string, executedQty: string, id = "42") => ({
  id,
  status,
  info: { executedQty },
});

Deno.test("only a final order with the same id, status and executed quantity needs no recording", () => {
  assert.equal(finalAndUnchanged(stored({}), answer("closed", "0.50000000")), true);
  // A whole quantity comes from Postgres as a number (db.ts, parseExactJson).
  assert.equal(
    finalAndUnchanged(stored({ filled: 1 as unknown as string }), answer("closed", "1.00000000")),
    true,
  );
  assert.equal(
    finalAndUnchanged(stored({ status: "canceled", filled: "0.2" }), answer("canceled", "0.2")),
    true,
  );
  // Anything that record_order could still change goes through it.
  assert.equal(finalAndUnchanged(stored({ status: "open" }), answer("open", "0.5")), false);
  assert.equal(finalAndUnchanged(stored({}), answer("closed", "0.50000001")), false);
  assert.equal(finalAndUnchanged(stored({}), answer("canceled", "0.5")), false);
  assert.equal(finalAndUnchanged(stored({}), answer("closed", "0.5", "43")), false);
  assert.equal(
    finalAndUnchanged(stored({ exchange_order_id: null }), answer("closed", "0.5")),
    false,
  );
  assert.equal(finalAndUnchanged(null, answer("closed", "0.5")), false);
  assert.equal(finalAndUnchanged(stored({}), { id: "42", status: "closed", info: {} }), false);
});
