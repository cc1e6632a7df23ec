/**
 * Brings a database to the project's schema:
 * 1. the platform shim (`dev/shim/*.sql`) — only where Supabase's own objects are missing
 *    (plain Postgres); every shim file is idempotent;
 * 2. `supabase/migrations/*.sql` in filename order, each exactly once, recorded in
 *    `supabase_migrations.schema_migrations` (the table the Supabase CLI uses), each file in
 *    its own transaction under an advisory lock so concurrent runs do not race;
 * 3. `supabase/seed.sql` when `seed` is true.
 */
import postgres from "postgres";

const ROOT = new URL("../", import.meta.url);
const SHIM_DIR = new URL("dev/shim/", ROOT);
const MIGRATIONS_DIR = new URL("supabase/migrations/", ROOT);
const SEED_FILE = new URL("supabase/seed.sql", ROOT);

/** Arbitrary constant for pg_advisory_xact_lock: "migrations of this project". */
const LOCK_KEY = 4_620_240_417;

export interface PrepareResult {
  /** Whether the platform shim was applied (false on Supabase). */
  shim: boolean;
  /** Versions applied by this call (already-applied ones are skipped). */
  applied: string[];
}

export async function prepareDatabase(
  url: string,
  opts: {
    seed?: boolean;
    /** Apply only the migrations up to this version (bench/sql_calls.ts: the baseline). */
    until?: string;
  } = {},
): Promise<PrepareResult> {
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    const [{ missing }] = await sql<{ missing: boolean }[]>`
      select pg_catalog.to_regnamespace('auth') is null
          or pg_catalog.to_regprocedure('auth.uid()') is null
          or pg_catalog.to_regclass('vault.secrets') is null
          or pg_catalog.to_regclass('vault.decrypted_secrets') is null
          or not exists (select from pg_catalog.pg_roles where rolname = 'service_role')
          or pg_catalog.to_regnamespace('extensions') is null as missing`;
    if (missing) {
      for (const file of await sqlFiles(SHIM_DIR)) {
        const text = await Deno.readTextFile(new URL(file, SHIM_DIR));
        await sql.begin(async (tx) => {
          await tx`select pg_catalog.pg_advisory_xact_lock(${LOCK_KEY})`;
          await tx.unsafe(text);
        }).catch((e) => {
          throw new Error(`shim ${file}: ${errorText(e)}`);
        });
      }
    }

    await sql.begin(async (tx) => {
      await tx`select pg_catalog.pg_advisory_xact_lock(${LOCK_KEY})`;
      await tx.unsafe(`
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (
          version text not null primary key,
          statements text[],
          name text
        );`);
    });

    const applied: string[] = [];
    for (const file of await sqlFiles(MIGRATIONS_DIR)) {
      const m = /^(\d+)_?(.*)\.sql$/.exec(file);
      if (!m) continue;
      const [, version, name] = m;
      if (opts.until !== undefined && version > opts.until) continue;
      const text = await Deno.readTextFile(new URL(file, MIGRATIONS_DIR));
      await sql.begin(async (tx) => {
        await tx`select pg_catalog.pg_advisory_xact_lock(${LOCK_KEY})`;
        const done = await tx`
          select 1 from supabase_migrations.schema_migrations where version = ${version}`;
        if (done.length) return;
        await tx.unsafe(text);
        await tx`
          insert into supabase_migrations.schema_migrations (version, name, statements)
          values (${version}, ${name}, ${[text]})`;
        applied.push(version);
      }).catch((e) => {
        throw new Error(`migration ${file}: ${errorText(e)}`);
      });
    }

    if (opts.seed) {
      const text = await Deno.readTextFile(SEED_FILE).catch(() => "");
      if (text.trim()) {
        await sql.begin((tx) => tx.unsafe(text)).catch((e) => {
          throw new Error(`seed.sql: ${errorText(e)}`);
        });
      }
    }
    return { shim: missing, applied };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function sqlFiles(dir: URL): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".sql")) names.push(e.name);
  }
  return names.sort();
}

function errorText(e: unknown): string {
  if (e && typeof e === "object") {
    const err = e as { message?: string; detail?: string; hint?: string; where?: string };
    return [err.message, err.detail, err.hint, err.where].filter(Boolean).join(" | ");
  }
  return String(e);
}

if (import.meta.main) {
  const url = Deno.args[0] ?? Deno.env.get("DATABASE_URL");
  if (!url) {
    console.error("usage: deno run -A dev/migrate.ts <database url> [--seed]");
    Deno.exit(2);
  }
  const result = await prepareDatabase(url, { seed: Deno.args.includes("--seed") });
  console.log(JSON.stringify(result));
}
