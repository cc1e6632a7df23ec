/**
 * Walks docs/ERRORS.md's table: for each row a local server answers with the row's HTTP status
 * and Binance body (rest-api.md "HTTP Return Codes", errors.md), the request goes through real
 * ccxt (the product's factory, markets from the simulator), and the failure must come out with
 * the row's class and answer. The table in the docs is the specification; this keeps it true.
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../dev/binance-sim/server.ts";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import {
  classifyFailure,
  type RequestKind,
} from "../../supabase/functions/_shared/exchange/outcome.ts";

interface Row {
  request: "order" | "read" | "any";
  status: string;
  code: string;
  message: string;
  class: string;
  answer: string;
}

function tableRows(): Row[] {
  const text = Deno.readTextFileSync(new URL("../../docs/ERRORS.md", import.meta.url));
  const section = text.slice(text.indexOf("## The table"));
  const rows: Row[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("|") || line.includes("---")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells[0] === "request") continue;
    const [request, status, code, message, klass, answer] = cells;
    rows.push({ request: request as Row["request"], status, code, message, class: klass, answer });
  }
  return rows;
}

/** The answer a row describes, as Binance would send it. */
function respond(row: Row, signal: AbortSignal): Promise<Response> | Response {
  if (row.status === "timeout") {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(new Response("{}")), 2_000);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve(new Response("{}"));
      });
    });
  }
  if (row.status === "reset") {
    const broken = new ReadableStream({ start: (c) => c.error(new Error("connection reset")) });
    return new Response(broken, { status: 200 });
  }
  const status = Number(row.status);
  const headers: Record<string, string> = { "retry-after": "7" };
  if (row.message === "(no body)") return new Response(null, { status, headers });
  if (row.message.startsWith("(")) {
    return new Response("<html><body>not json</body></html>", {
      status,
      headers: { ...headers, "content-type": "text/html" },
    });
  }
  return Response.json({ code: Number(row.code), msg: row.message }, { status, headers });
}

Deno.test("every row of docs/ERRORS.md classifies as written, through real ccxt", async () => {
  const rows = tableRows();
  assert.ok(rows.length >= 30, `expected the whole table, read ${rows.length} rows`);
  const sim = await startSimulator({ port: 0, catalogue: "small" });
  const aborts = new AbortController();
  let current: Row = rows[0];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => respond(current, aborts.signal),
  );
  try {
    const markets = createBinance({ endpoint: { environment: "live", baseUrl: sim.url } });
    await markets.loadMarkets();
    const exchange = createBinance({
      endpoint: { environment: "live", baseUrl: `http://127.0.0.1:${server.addr.port}` },
      credentials: { apiKey: "table-test-key", secret: "table-test-secret" },
      timeoutMs: 300,
    });
    exchange.setMarketsFromExchange(markets);
    for (const row of rows) {
      current = row;
      const kinds: RequestKind[] = row.request === "any" ? ["order", "read"] : [row.request];
      for (const kind of kinds) {
        const started = exchange.requestsStarted;
        const call = kind === "order"
          ? () =>
            exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000, {
              newClientOrderId: "table-test",
            })
          : () => exchange.fetchOrder("1", "BTC/USDT");
        const err = await call().then(() => undefined, (e) => e);
        const where = `${kind} ${row.status} ${row.code} ${row.message}`;
        assert.ok(err !== undefined, `${where}: the call must fail`);
        const failure = classifyFailure(err, kind, {
          started: exchange.requestsStarted !== started,
        });
        assert.equal(failure.class, row.class, where);
        assert.equal(`${failure.error.status} ${failure.error.code}`, row.answer, where);
        if (row.class === "ip_limit" || row.class === "account_limit") {
          assert.equal(failure.error.retryAfter, 7, `${where}: Retry-After is honoured`);
        }
        if (row.class === "ambiguous") assert.equal(failure.error.retryable, true, where);
      }
    }
  } finally {
    aborts.abort();
    await server.shutdown();
    await sim.close();
  }
});

Deno.test("an error ccxt raises before sending anything is a refusal, never ambiguous", async () => {
  const sim = await startSimulator({ port: 0, catalogue: "small" });
  try {
    const exchange = createBinance({
      endpoint: { environment: "live", baseUrl: sim.url },
      credentials: { apiKey: "k", secret: "s" },
    });
    await exchange.loadMarkets();
    const started = exchange.requestsStarted;
    // A limit order without a price: ccxt refuses it itself.
    const err = await exchange.createOrder("BTC/USDT", "limit", "buy", 0.001).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err);
    assert.equal(exchange.requestsStarted, started, "nothing was sent");
    const failure = classifyFailure(err, "order", { started: false });
    assert.equal(failure.class, "refused");
    assert.equal(failure.answer.sent, false);
  } finally {
    await sim.close();
  }
});
