/**
 * The database layer end to end: a throwaway Postgres cluster (or the stack's database when
 * STACK_FILE names one), the platform shim and migrations applied twice, then the pgTAP suite.
 *
 * Run: `deno test -A tests/database_test.ts`
 */
import assert from "node:assert";
import postgres from "postgres";
import { startPostgres } from "../dev/postgres.ts";
import { prepareDatabase } from "../dev/migrate.ts";
import { runPgTap } from "../dev/pgtap.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function database(): Promise<{ url: string; close(): Promise<void> }> {
  const stackFile = Deno.env.get("STACK_FILE");
  if (stackFile) {
    const stack = JSON.parse(await Deno.readTextFile(stackFile)) as { db_url?: string };
    if (!stack.db_url) throw new Error(`${stackFile} has no db_url`);
    return { url: stack.db_url, close: () => Promise.resolve() };
  }
  const dir = await Deno.makeTempDir({ prefix: "db-test-" });
  const pg = await startPostgres({ dataDir: `${dir}/data`, port: freePort(), fresh: true });
  return {
    url: pg.url,
    async close() {
      await pg.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

Deno.test({
  name: "database",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const db = await database();
    try {
      await t.step("migrations apply twice without error", async () => {
        await prepareDatabase(db.url);
        const second = await prepareDatabase(db.url);
        assert.deepStrictEqual(second.applied, [], "the second run applies nothing");
        const sql = postgres(db.url, { max: 1, prepare: false, onnotice: () => {} });
        try {
          const files: string[] = [];
          for await (const e of Deno.readDir(new URL("../supabase/migrations/", import.meta.url))) {
            if (e.name.endsWith(".sql")) files.push(e.name.split("_")[0]);
          }
          const rows = await sql<{ version: string }[]>`
            select version from supabase_migrations.schema_migrations order by version`;
          const versions = rows.map((r) => r.version);
          for (const f of files) assert.ok(versions.includes(f), `migration ${f} recorded`);
        } finally {
          await sql.end();
        }
      });

      await t.step("platform shim is idempotent", async () => {
        const sql = postgres(db.url, { max: 1, prepare: false, onnotice: () => {} });
        try {
          const [{ shim }] = await sql<{ shim: boolean }[]>`
            select to_regclass('vault.shim_key') is not null as shim`;
          if (!shim) return; // a real Supabase database: the shim is never applied there
          for await (const e of Deno.readDir(new URL("../dev/shim/", import.meta.url))) {
            if (!e.name.endsWith(".sql")) continue;
            const text = await Deno.readTextFile(new URL(`../dev/shim/${e.name}`, import.meta.url));
            await sql.begin((tx) => tx.unsafe(text));
          }
        } finally {
          await sql.end();
        }
      });

      await t.step("pgTAP suite passes", async () => {
        const r = await runPgTap(db.url);
        if (r.failed) console.log(r.output);
        assert.strictEqual(r.failed, 0, `${r.failed} pgTAP failures`);
        assert.ok(r.passed > 100, `only ${r.passed} pgTAP tests ran`);
      });

      await t.step("service_role calls the API through a pooled-style connection", async () => {
        // prepare: false and one function call per transaction, as through Supavisor.
        const sql = postgres(db.url, { max: 2, prepare: false, onnotice: () => {} });
        const user = crypto.randomUUID();
        try {
          await sql`insert into auth.users (id, email) values (${user}, ${user + "@example.com"})`;
          await sql.begin(async (tx) => {
            await tx`set local role service_role`;
            await tx`select trading.save_exchange_account(${user}, 'main', 'live',
              'KEY-abcd', 'SECRET', '{}'::jsonb)`;
          });
          const [{ r }] = await sql.begin(async (tx) => {
            await tx`set local role service_role`;
            return await tx<{ r: Record<string, unknown> }[]>`
              select trading.begin_order(${user}, null, 'deno-1',
                ${
              sql.json({ symbol: "BTC/USDT", side: "buy", type: "market", amount: "1" })
            }) as r`;
          });
          assert.strictEqual(r.created, true);
          assert.deepStrictEqual(r.credentials, { api_key: "KEY-abcd", secret: "SECRET" });
        } finally {
          await sql`delete from auth.users where id = ${user}`;
          await sql.end();
        }
      });
    } finally {
      await db.close();
    }
  },
});
