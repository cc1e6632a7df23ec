import assert from "node:assert/strict";
import { decodeCursor, encodeCursor } from "../../supabase/functions/_shared/ops/fetch_orders.ts";
import { unrealizedPnl } from "../../supabase/functions/_shared/ops/fetch_positions.ts";
import { AppError } from "../../supabase/functions/_shared/errors.ts";
import { fetchOrdersInput, fetchPositionsInput } from "../../supabase/functions/_shared/schemas.ts";

Deno.test("the page cursor round-trips exact Postgres timestamps and refuses anything else", () => {
  const at = "2026-11-25T10:00:00.123456+00:00";
  const id = "0b6f6c1e-5a43-4f4e-9a55-3f0d2c1b7a90";
  const cursor = encodeCursor(at, id);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, "URL-safe, no padding");
  assert.deepEqual(decodeCursor(cursor), { at, id });
  for (const bad of ["", "abc", encodeCursor("yesterday", id), encodeCursor(at, "1; drop")]) {
    assert.throws(() => decodeCursor(bad), (e) => e instanceof AppError && e.field === "cursor");
  }
});

Deno.test("unrealized PnL is exact: (price - entry) * quantity, signs and scales", () => {
  assert.equal(unrealizedPnl("51000", "50000", "0.00999"), "9.99");
  assert.equal(unrealizedPnl("0.3", "0.1", "3"), "0.6", "no float error");
  assert.equal(unrealizedPnl("49999.99", "50000.01", "2"), "-0.04");
  assert.equal(unrealizedPnl("100", "100", "5"), "0");
  assert.equal(
    unrealizedPnl("50000", "49999.123456789012345678", "0.00000001"),
    "0.00000000876543210987654322",
  );
});

Deno.test("history inputs: limits, statuses, times in ms or ISO, booleans from query strings", () => {
  const ok = fetchOrdersInput.parse({
    since: "1700000000000",
    until: "2026-11-25T10:00:00Z",
    limit: "100",
    include_fills: "true",
  });
  assert.equal(ok.since, "2023-11-14T22:13:20.000Z");
  assert.equal(ok.until, "2026-11-25T10:00:00.000Z");
  assert.equal(ok.limit, 100);
  assert.equal(ok.include_fills, true);
  assert.equal(fetchOrdersInput.safeParse({ limit: 101 }).success, false);
  assert.equal(fetchOrdersInput.safeParse({ status: "filled" }).success, false);
  assert.equal(fetchPositionsInput.parse({}).status, undefined, "open is the default");
  assert.equal(fetchPositionsInput.safeParse({ status: "partial" }).success, false);
});
