/**
 * With nothing but Node.js and npm, `deno task start` takes PostgreSQL from npm
 * (dev/npm_postgres.ts): the package installs, its server starts through dev/postgres.ts
 * (as the `postgres` OS user when root, readiness without pg_isready) and has pgcrypto.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { npmPostgresBinDir } from "../dev/npm_postgres.ts";
import { startPostgres } from "../dev/postgres.ts";

const hasNpm = await new Deno.Command("npm", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success).catch(() => false);

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test({
  name: "PostgreSQL from npm starts and has pgcrypto (the Node.js-only start path)",
  ignore: !hasNpm || Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Kept under .local/ so that reruns reuse the install.
    const prefix = new URL("../.local/npm-postgres", import.meta.url).pathname;
    const bin = await npmPostgresBinDir(prefix);
    const dir = await Deno.makeTempDir({ prefix: "npm-pg-" });
    const pg = await startPostgres({
      dataDir: `${dir}/data`,
      port: freePort(),
      fresh: true,
      binDir: bin,
    });
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const [{ version }] = await sql`select current_setting('server_version_num') as version`;
      assert.ok(Number(version) >= 150000, version);
      await sql`create extension if not exists pgcrypto`;
      const [{ hex }] = await sql`select encode(digest('abc', 'sha256'), 'hex') as hex`;
      assert.equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    } finally {
      await sql.end({ timeout: 5 });
      await pg.stop();
      await Deno.chmod(dir, 0o755).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
