/**
 * The connection layer (supabase/functions/_shared/db_driver.ts) against the stack's real
 * Postgres: arguments sent as quoted literals come back byte for byte, whatever they hold,
 * and postgres.js still works after its write batching moved to a microtask.
 */
import assert from "node:assert";
import * as timers from "node:timers";
import postgres from "postgres";
import {
  callStatement,
  sqlLiteral,
  statementFor,
} from "../../supabase/functions/_shared/db_driver.ts";
import { needsStack, stackInfo } from "../helpers/stack.ts";

const HOSTILE = [
  "",
  "plain",
  "it's",
  "''",
  "\\",
  "\\'; drop table public.orders; --",
  "E'\\x00'",
  "$$ $tag$ $$",
  "line\nbreak\r\ttab",
  "ünïcødé — 日本語 🚀",
  "\\\\'\\'",
  "--",
  "/* comment",
];

Deno.test({
  name: "literals: hostile text, json and numbers come back exactly as sent",
  ...needsStack,
  fn: async () => {
    const sql = postgres(stackInfo().db_url, { max: 1, prepare: false, onnotice: () => {} });
    try {
      for (const text of HOSTILE) {
        const rows = await sql.unsafe(`select ${sqlLiteral(text, "text")} as t`);
        assert.strictEqual(rows[0].t, text);
      }
      const doc = { note: HOSTILE.join("|"), price: "0.1", n: 3, nested: [{ a: "'\\" }] };
      const rows = await sql.unsafe(`select ${sqlLiteral(doc, "jsonb")}::text as j`);
      assert.deepStrictEqual(JSON.parse(rows[0].j), doc);
      const nums = await sql.unsafe(
        `select ${sqlLiteral(42, "int")} as i, ${sqlLiteral("0.00000001", "numeric")}::text as n,
          ${sqlLiteral(null, "uuid")} as u`,
      );
      assert.deepStrictEqual({ ...nums[0] }, { i: 42, n: "0.00000001", u: null });
      // Only one statement ever reaches the server: the hostile text stays a value.
      const count = await sql`select count(*)::int as c from public.orders`;
      assert.ok(count[0].c >= 0);
    } finally {
      await sql.end();
    }
  },
});

Deno.test("literals: NUL, bad type names and non-finite numbers are refused", () => {
  assert.throws(() => sqlLiteral("a\u0000b", "text"), /NUL/);
  assert.throws(() => sqlLiteral("x", "text; drop"), /type name/);
  assert.throws(() => sqlLiteral(Number.NaN, "int"), /finite/);
  assert.throws(() => sqlLiteral({ a: 1 }, "text"), /cannot send/);
  assert.throws(() => callStatement("f(); drop", [], []), /function name/);
  assert.throws(() => callStatement("f", ["text"], []), /arguments/);
  assert.strictEqual(
    callStatement("get_markets", ["text", "int"], ["a'b", 5], "::text"),
    "select trading.get_markets(E'a''b'::text, E'5'::int)::text as r",
  );
});

Deno.test("other callers of setImmediate keep Node's timer", async () => {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    const h = g.setImmediate(() => order.push("cleared"));
    assert.ok(h instanceof timers.setImmediate(() => {}).constructor, "a Node Immediate");
    g.clearImmediate(h);
    g.setImmediate((x: string) => {
      order.push(x);
      resolve();
    }, "ran");
  });
  assert.deepStrictEqual(order, ["ran"]);
});

Deno.test("an API secret never enters a statement's text", () => {
  const secret = "S3CRET-value-that-must-not-show";
  const s = statementFor(
    "save_exchange_account",
    ["uuid", "text", "text", "text", "text", "jsonb"],
    ["00000000-0000-4000-8000-000000000001", "default", "live", "key", secret, {}],
  );
  assert.ok(!s.text.includes(secret));
  assert.ok(!s.text.includes("key"));
  assert.deepStrictEqual(s.params?.[4], secret);
  assert.strictEqual(
    s.text,
    "select trading.save_exchange_account($1::uuid, $2::text, $3::text, $4::text, $5::text, " +
      "$6::jsonb) as r",
  );
  // Everything else goes as literals, in one round trip.
  assert.strictEqual(statementFor("account_context", ["uuid"], ["x"]).params, undefined);
});

Deno.test({
  name: "literals: arrays of hostile text come back element by element",
  ...needsStack,
  fn: async () => {
    const sql = postgres(stackInfo().db_url, { max: 1, prepare: false, onnotice: () => {} });
    try {
      const values = [...HOSTILE.filter((t) => t !== ""), '"quoted"', "a,b", "{}", "NULL"];
      const rows = await sql.unsafe(`select ${sqlLiteral(values, "text[]")} as a`);
      assert.deepStrictEqual(rows[0].a, values);
      const ids = [crypto.randomUUID(), crypto.randomUUID()];
      const uuids = await sql.unsafe(`select ${sqlLiteral(ids, "uuid[]")}::text[] as a`);
      assert.deepStrictEqual(uuids[0].a, ids);
    } finally {
      await sql.end();
    }
  },
});
