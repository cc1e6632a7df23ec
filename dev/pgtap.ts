/**
 * Runs the pgTAP suite (`supabase/tests/*.sql`) against a database with psql, like
 * `supabase test db`, and parses the TAP it prints.
 *
 * Each file runs with `psql -X -q -t -A -v ON_ERROR_STOP=1 -f <file>`. A file counts one
 * failure for each `not ok`, for each planned test that did not run, for a missing plan, and
 * for a psql error (non-zero exit).
 */
import postgres from "postgres";

const TESTS_DIR = new URL("../supabase/tests/", import.meta.url);

export interface PgTapResult {
  passed: number;
  failed: number;
  /** Everything psql printed, each file's output under a `# <file>` header. */
  output: string;
}

export async function runPgTap(
  url: string,
  opts: { files?: string[]; quiet?: boolean } = {},
): Promise<PgTapResult> {
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql.unsafe(`
      create schema if not exists extensions;
      create extension if not exists pgtap with schema extensions;`);
  } finally {
    await sql.end({ timeout: 5 });
  }

  const files: string[] = [];
  for await (const e of Deno.readDir(TESTS_DIR)) {
    if (e.isFile && e.name.endsWith(".sql")) files.push(e.name);
  }
  files.sort();
  const selected = opts.files?.length ? files.filter((f) => opts.files!.includes(f)) : files;

  const psql = await findPsql();
  let passed = 0;
  let failed = 0;
  let output = "";
  const failures: string[] = [];

  for (const file of selected) {
    const path = decodeURIComponent(new URL(file, TESTS_DIR).pathname);
    const out = await new Deno.Command(psql, {
      args: ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path],
      env: { PGOPTIONS: "-c search_path=public,extensions", PGCONNECT_TIMEOUT: "10" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    output += `# ${file}\n${stdout}${stderr ? `# stderr:\n${stderr}` : ""}\n`;

    let planned: number | undefined;
    let ran = 0;
    let fileFailed = 0;
    for (const raw of stdout.split("\n")) {
      const line = raw.trim();
      const plan = /^1\.\.(\d+)/.exec(line);
      if (plan) {
        planned = Number(plan[1]);
        continue;
      }
      if (/^not ok\b/.test(line)) {
        ran++;
        if (/#\s*TODO/i.test(line)) {
          passed++;
        } else {
          fileFailed++;
          failures.push(`${file}: ${line}`);
        }
      } else if (/^ok\b/.test(line)) {
        ran++;
        passed++;
      } else if (/^#\s+(Failed test|got|expected|have|want|Looks like)/.test(line)) {
        failures.push(`${file}: ${line}`);
      }
    }
    if (planned === undefined) {
      fileFailed++;
      failures.push(`${file}: no plan`);
    } else if (ran < planned) {
      fileFailed += planned - ran;
      failures.push(`${file}: planned ${planned} tests but ran ${ran}`);
    }
    if (!out.success) {
      fileFailed++;
      failures.push(`${file}: psql exited with code ${out.code}: ${stderr.trim()}`);
    }
    failed += fileFailed;
  }

  if (failures.length && !opts.quiet) console.log(failures.join("\n"));
  return { passed, failed, output };
}

async function findPsql(): Promise<string> {
  for (const p of ["/usr/bin/psql", "/usr/local/bin/psql"]) {
    try {
      await Deno.stat(p);
      return p;
    } catch {
      // next
    }
  }
  try {
    const out = await new Deno.Command("pg_config", { args: ["--bindir"] }).output();
    const dir = new TextDecoder().decode(out.stdout).trim();
    if (out.success && dir) return `${dir}/psql`;
  } catch {
    // fall through
  }
  return "psql";
}

if (import.meta.main) {
  const url = Deno.args[0] ?? Deno.env.get("DATABASE_URL");
  if (!url) {
    console.error("usage: deno run -A dev/pgtap.ts <database url> [file.sql ...]");
    Deno.exit(2);
  }
  const r = await runPgTap(url, { files: Deno.args.slice(1) });
  console.log(`pgTAP: ${r.passed} passed, ${r.failed} failed`);
  Deno.exit(r.failed ? 1 : 0);
}
