/**
 * TLS between the functions and Postgres (supabase/functions/_shared/db_socket.ts). The test
 * stack's Postgres accepts TLS with a throwaway CA's certificate (dev/tls_certs.ts) as well as
 * plain connections; a gateway of its own connects with `sslmode=verify-full` and that CA in
 * TRADING_DB_CA_CERT, as a deployment to a database with Supabase's CA would.
 */
import assert from "node:assert/strict";
import { createDb } from "../../supabase/functions/_shared/db.ts";
import { TLS_FAILED, tlsModeOf, tlsSocket } from "../../supabase/functions/_shared/db_socket.ts";
import { AppError } from "../../supabase/functions/_shared/errors.ts";
import { startGatewayProcess } from "../helpers/gateway.ts";
import { LEAK_RE, needsStack, newTrader, stackInfo, withSql } from "../helpers/stack.ts";

Deno.test("sslmode values that ask for TLS are taken out of the URL postgres.js is given", () => {
  const base = "postgres://u:p@db.example.com:5432/postgres";
  for (const mode of ["allow", "prefer", "require", "verify-ca", "verify-full"]) {
    const got = tlsModeOf(`${base}?sslmode=${mode}&application_name=x`);
    assert.equal(got.mode, mode);
    assert.equal(got.url, `${base}?application_name=x`);
  }
  assert.equal(tlsModeOf(`${base}?sslrootcert=system`).mode, "verify-full");
  assert.deepEqual(tlsModeOf(`${base}?ssl=true`), { mode: "verify-full", url: base });
  assert.throws(() => tlsModeOf(`${base}?sslmode=requre`), /unknown sslmode.*requre/);
  assert.deepEqual(tlsModeOf(`${base}?ssl=false`), { mode: undefined, url: `${base}?ssl=false` });
  assert.deepEqual(tlsModeOf(`${base}?sslmode=disable`), {
    mode: undefined,
    url: `${base}?sslmode=disable`,
  });
  assert.deepEqual(tlsModeOf(base), { mode: undefined, url: base });
});

/**
 * One connection's worth of a server, speaking Postgres's "SSL Session Encryption" (protocol
 * docs, Message Flow): it reads SSLRequest, answers `answer` (or nothing), and
 * `next` resolves with how many bytes the client sent after that (null: it closed instead).
 */
function fakeServer(answer: number | undefined) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const next = (async (): Promise<number | null> => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(8));
    if (answer !== undefined) await conn.write(new Uint8Array([answer]));
    const n = await conn.read(new Uint8Array(1024)).catch(() => null);
    conn.close();
    return n;
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: (sslmode: string) =>
      `postgres://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=${sslmode}`,
    next,
    close: () => listener.close(),
  };
}

/** A market buy through a gateway of the test's own. */
async function buyThrough(gatewayUrl: string, token: string) {
  const res = await fetch(`${gatewayUrl}/functions/v1/create-order`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" }),
  });
  return { status: res.status, body: await res.json() };
}

/** The stack's connections that use TLS now (pg_stat_ssl), other than this test's own. */
async function tlsConnections(): Promise<number> {
  return await withSql(async (sql) => {
    const [row] = await sql`
      select count(*)::int as n from pg_stat_ssl s join pg_stat_activity a using (pid)
      where s.ssl and a.datname = current_database()`;
    return row.n as number;
  });
}

Deno.test({
  name: "create-order with Postgres over TLS: verified against TRADING_DB_CA_CERT",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    assert.ok(info.db_ca_cert, "the test stack's Postgres accepts TLS (openssl is installed)");
    const before = await tlsConnections();
    const gateway = await startGatewayProcess({
      TRADING_TEST_DB_URL: `${info.db_url}?sslmode=verify-full`,
      TRADING_DB_CA_CERT: info.db_ca_cert,
    });
    try {
      const t = await newTrader();
      const { status, body } = await buyThrough(gateway.url, t.token);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.order.status, "closed");
      // Recorded through the TLS connections, and they are the gateway's: plain before.
      assert.ok((await tlsConnections()) > before, "the gateway's connections use TLS");
      const [row] = await withSql((sql) =>
        sql`select status, filled::text from public.orders where client_order_id = ${body.order.client_order_id}`
      );
      assert.deepEqual(row, { status: "closed", filled: "0.001" });
    } finally {
      const output = await gateway.stop();
      assert.doesNotMatch(output, LEAK_RE);
    }
  },
});

Deno.test({
  name: "a certificate the functions cannot verify fails the request before any order is sent",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    assert.ok(info.db_ca_cert);
    // No CA given: Deno's TLS verifies against the public roots only, which do not know it.
    const gateway = await startGatewayProcess({
      TRADING_TEST_DB_URL: `${info.db_url}?sslmode=require`,
    });
    let output = "";
    try {
      const t = await newTrader();
      const { status, body } = await buyThrough(gateway.url, t.token);
      assert.equal(status, 500, JSON.stringify(body));
      assert.equal(body.error.code, "INTERNAL");
      const orders = await withSql((sql) =>
        sql`select count(*)::int as n from public.orders where user_id = ${t.userId}`
      );
      assert.equal(orders[0].n, 0);
    } finally {
      output = await gateway.stop();
    }
    // The operator reads why in the log; nothing secret is in it.
    assert.match(output, /TRADING_DB_CA_CERT/);
    assert.doesNotMatch(output, LEAK_RE);
  },
});

Deno.test("sslmode=require against a server that declines TLS: refused, never sent in clear", async () => {
  // A server that answers SSLRequest with N, as a Postgres without ssl=on does.
  const server = fakeServer(0x4e);
  const db = createDb({ url: server.url("require"), max: 1, timeoutMs: 5_000 });
  try {
    await assert.rejects(db.backoffState("live"), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, "INTERNAL");
      assert.equal((err.cause as { code?: string }).code, TLS_FAILED);
      assert.match(String((err.cause as Error).message), /does not accept TLS/);
      return true;
    });
    assert.equal(await server.next, null, "no startup message reached the server");
  } finally {
    server.close();
    await db.close();
  }
});

Deno.test({
  name: "a TLS connection the server ends is replaced: the next call connects again",
  ...needsStack,
  async fn() {
    const info = stackInfo();
    assert.ok(info.db_ca_cert);
    const db = createDb({
      url: `${info.db_url}?sslmode=verify-full&application_name=tls-reconnect-test`,
      caCert: info.db_ca_cert,
      max: 1,
      timeoutMs: 5_000,
    });
    try {
      assert.ok("backoff_until" in await db.backoffState("live"));
      // Found first, then ended by pid: in one statement the planner may call
      // pg_terminate_backend before the filters, on every backend.
      const found = await withSql((sql) =>
        sql`select a.pid from pg_stat_activity a join pg_stat_ssl s using (pid)
          where a.application_name = 'tls-reconnect-test' and s.ssl`
      );
      assert.equal(found.length, 1, "the pool's one connection uses TLS");
      await withSql((sql) => sql`select pg_terminate_backend(${found[0].pid}::int)`);
      // The server's goodbye (admin_shutdown) can still fail the calls that race it, as it
      // would on node:net; once the socket has reported the close, postgres.js connects anew.
      let answer: unknown;
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          answer = await db.backoffState("live");
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.ok(answer && typeof answer === "object" && "backoff_until" in answer);
      const now = await withSql((sql) =>
        sql`select count(*)::int as n from pg_stat_activity a join pg_stat_ssl s using (pid)
          where a.application_name = 'tls-reconnect-test' and s.ssl`
      );
      assert.equal(now[0].n, 1);
    } finally {
      await db.close();
    }
  },
});

Deno.test("a server that never answers SSLRequest: the call fails at the connect timeout and the connection is closed", async () => {
  const server = fakeServer(undefined);
  const db = createDb({
    url: server.url("verify-full"),
    max: 1,
    timeoutMs: 5_000,
    connectTimeoutMs: 300,
  });
  try {
    await assert.rejects(db.backoffState("live"), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, "INTERNAL");
      assert.equal((err.cause as { code?: string }).code, "CONNECT_TIMEOUT");
      return true;
    });
    assert.equal(await server.next, null, "the half-open connection was closed, not left waiting");
  } finally {
    server.close();
    await db.close();
  }
});

Deno.test("sslmode with several hosts or a Unix socket is refused, not half-honoured", async () => {
  const open = tlsSocket({ mode: "verify-full", connectTimeoutMs: 1_000 });
  for (
    const options of [{ host: ["a.example", "b.example"], port: [5432, 5432] }, {
      host: ["localhost"],
      port: [5432],
      path: "/var/run/postgresql/.s.PGSQL.5432",
    }]
  ) {
    await assert.rejects(open(options), (err: unknown) => {
      assert.equal((err as { code?: string }).code, TLS_FAILED);
      assert.match(String(err), /exactly one host/);
      return true;
    });
  }
});
