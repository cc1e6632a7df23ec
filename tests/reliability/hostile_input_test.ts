/**
 * A corpus of generated bad requests per function: every one gets a 4xx JSON error, none
 * reaches the exchange, none writes a row, and the worker keeps serving.
 */
import assert from "node:assert/strict";
import { prng } from "../../dev/binance-sim/catalogue.ts";
import {
  callFunction,
  lastSimSeq,
  needsStack,
  newTrader,
  simRequests,
  withSql,
} from "../helpers/stack.ts";

const FUNCTIONS = [
  "create-order",
  "cancel-order",
  "fetch-order",
  "fetch-open-orders",
  "fetch-ticker",
  "fetch-balance",
  "fetch-my-trades",
  "fetch-markets",
  "exchange-keys",
  "sync-orders",
];
const PER_FUNCTION = 1000;

const NASTY_STRINGS = [
  "",
  " ",
  "BTC/USDT' OR '1'='1",
  "BTC/USDT; drop table orders;--",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "BTC/USDT\u0000",
  "ＢＴＣ/ＵＳＤＴ",
  "🚀/USDT",
  "btc/usdt",
  "BTCUSDT",
  "x".repeat(300),
  "${jndi:ldap://x}",
  "\\u0000",
  "NaN",
];
const BAD_NUMBERS: unknown[] = [
  0,
  -1,
  -0.001,
  "1e3",
  "1E-8",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "1,000",
  "+1",
  " 1",
  "1.",
  ".5",
  "0.123456789012345678901234567890123456789012",
  "0.000000001",
  "1000000000000",
  true,
  null,
  [],
  {},
  "",
];

/** One bad request: a raw body (POST), some of them malformed at the byte level. */
function badBody(rand: () => number, fn: string): { raw: string; method: string } {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const valid: Record<string, unknown> = fn === "create-order"
    ? { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "100" }
    : fn === "cancel-order" || fn === "fetch-order"
    ? { symbol: "BTC/USDT", id: "1" }
    : fn === "fetch-ticker" || fn === "fetch-my-trades"
    ? { symbol: "BTC/USDT" }
    : fn === "exchange-keys"
    ? { api_key: "A".repeat(64), secret: "B".repeat(64) }
    : {};
  const kind = Math.floor(rand() * 10);
  const keys = Object.keys(valid);
  const body = { ...valid };
  switch (kind) {
    case 0:
      return {
        raw: pick(["{", "[]", "null", "42", '"x"', "{'a':1}", '{"a":}', "\u0000", "{}}"]),
        method: "POST",
      };
    case 1:
      return {
        raw: JSON.stringify({
          ...valid,
          [pick(["extra", "__proto__x", "leverage", "user", "constructor"])]: 1,
        }),
        method: "POST",
      };
    case 2:
      if (keys.length === 0) return { raw: JSON.stringify({ unknown_field: 1 }), method: "POST" };
      body[pick(keys)] = pick(NASTY_STRINGS);
      return { raw: JSON.stringify(body), method: "POST" };
    case 3: {
      const numeric = keys.filter((k) => ["amount", "price", "id"].includes(k));
      if (numeric.length === 0) {
        return { raw: JSON.stringify({ limit: pick(BAD_NUMBERS) }), method: "POST" };
      }
      const field = pick(numeric);
      // Digits alone are a well-formed (if unknown) order id: not bad input for `id`.
      body[field] = pick(
        field === "id" ? BAD_NUMBERS.filter((x) => !/^\d+$/.test(String(x))) : BAD_NUMBERS,
      );
      return { raw: JSON.stringify(body), method: "POST" };
    }
    case 4:
      if (keys.length === 0) return { raw: '{"a":1,"a":2}', method: "POST" };
      // Duplicate keys: valid JSON that parsers silently collapse.
      return { raw: JSON.stringify(body).replace(/^\{/, `{"${keys[0]}":"dup",`), method: "POST" };
    case 5:
      return {
        raw: JSON.stringify({ ...valid, pad: "x".repeat(20_000 + Math.floor(rand() * 10_000)) }),
        method: "POST",
      };
    case 6:
      return {
        raw: JSON.stringify({ ...valid, user_id: pick(["not-a-uuid", crypto.randomUUID(), 1]) }),
        method: "POST",
      };
    case 7:
      return { raw: JSON.stringify(valid), method: pick(["PUT", "PATCH"]) };
    case 8: {
      if (keys.length === 0) return { raw: JSON.stringify({ all_users: "yes" }), method: "POST" };
      delete body[pick(keys)];
      body[pick(["symbol", "side", "type"])] = pick([1, false, null, ["BTC/USDT"], { a: 1 }]);
      return { raw: JSON.stringify(body), method: "POST" };
    }
    default: {
      // A body cut short: never the complete (valid) object.
      const full = JSON.stringify(valid);
      return {
        raw: full.slice(0, Math.max(1, Math.floor(rand() * (full.length - 1)))),
        method: "POST",
      };
    }
  }
}

Deno.test({
  name: `1,000 generated bad requests per function all get 4xx JSON and change nothing`,
  ...needsStack,
  async fn() {
    const t = await newTrader();
    const since = await lastSimSeq();
    const rowsBefore = await withSql((sql) =>
      sql`select (select count(*) from public.orders)::int as orders,
                 (select count(*) from public.exchange_accounts)::int as accounts`
    );
    const rand = prng(2026);
    let tried = 0;
    const failures: string[] = [];
    for (const fn of FUNCTIONS) {
      const cases = Array.from({ length: PER_FUNCTION }, () => badBody(rand, fn));
      // 8 at a time: enough to exercise concurrency, bounded for a 2-core machine.
      for (let i = 0; i < cases.length; i += 8) {
        const batch = cases.slice(i, i + 8);
        const results = await Promise.all(
          batch.map((c) =>
            callFunction(fn, t.token, undefined, { method: c.method, rawBody: c.raw })
          ),
        );
        results.forEach((r, j) => {
          tried++;
          const ok = r.status >= 400 && r.status < 500 && typeof r.body === "object" &&
            typeof r.body?.error?.code === "string";
          if (!ok) {
            failures.push(`${fn} ${batch[j].method} ${batch[j].raw.slice(0, 60)} -> ${r.status}`);
          }
        });
      }
    }
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${tried} not a 4xx:\n${failures.slice(0, 10).join("\n")}`,
    );
    assert.equal(tried, FUNCTIONS.length * PER_FUNCTION);
    const reached = await simRequests(t.apiKey, since);
    assert.deepEqual(reached.map((r) => `${r.method} ${r.path}`), [], "nothing reached Binance");
    const rowsAfter = await withSql((sql) =>
      sql`select (select count(*) from public.orders where user_id = ${t.userId})::int as mine`
    );
    assert.equal(rowsAfter[0].mine, 0, "no order row was written");
    assert.ok(rowsBefore.length === 1);
    // The worker still serves a valid request.
    const ok = await t.call("fetch-ticker", { symbol: "BTC/USDT" });
    assert.equal(ok.status, 200);
    console.log(`hostile input: ${tried} requests, ${failures.length} not answered 4xx`);
  },
});
