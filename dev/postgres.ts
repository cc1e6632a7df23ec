/**
 * A local PostgreSQL cluster for development and tests (no Docker, no HTTP).
 *
 * `startPostgres` finds the server binaries, creates the cluster when its data directory is
 * empty (trust authentication on 127.0.0.1, superuser `postgres` with password `postgres`)
 * and runs `postgres` in the foreground as a child of this process, listening on
 * 127.0.0.1:<port> with its unix socket in a private temporary directory.
 *
 * Postgres refuses to run as root. When this process is root, initdb and postgres run as the
 * `postgres` OS user through `setpriv` (which execs in place, so signals reach the server
 * itself); the data directory is chown'ed to that user and its ancestors get the search bit.
 * The server gets a parent-death signal (SIGINT: fast shutdown), so it never outlives the
 * process that started it, and readiness is checked through its private socket directory,
 * so another server on the same port cannot be mistaken for it.
 */

import { makeServerCertificate, type ServerCertificate } from "./tls_certs.ts";

export interface PostgresOptions {
  /** Data directory; created (initdb) when missing or empty. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /**
   * Throwaway cluster: the data directory is wiped and re-initialised, and durability is
   * traded for speed (fsync, full_page_writes and synchronous_commit off).
   */
  fresh?: boolean;
  /** Server binaries to use (default: findPostgresBinDir()). */
  binDir?: string;
  /**
   * Also accept TLS (`ssl=on`) with a throwaway CA's certificate for localhost and 127.0.0.1
   * (dev/tls_certs.ts); plain connections stay allowed.
   */
  tls?: boolean;
}

export interface RunningPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** With `tls`: PEM of the CA that signed the server's certificate. */
  caCert?: string;
  /** Fast shutdown (SIGINT), then waits for the server to exit. */
  stop(): Promise<void>;
}

const OS_USER = "postgres";

/** The directory holding initdb/postgres/pg_isready. */
export async function findPostgresBinDir(): Promise<string> {
  // Set by dev/npm_postgres.ts when the server comes from npm (no system PostgreSQL).
  const given = Deno.env.get("POSTGRES_BIN_DIR");
  if (given && await exists(`${given}/initdb`) && await exists(`${given}/postgres`)) return given;
  try {
    const out = await new Deno.Command("pg_config", { args: ["--bindir"], stderr: "null" })
      .output();
    if (out.success) {
      const dir = new TextDecoder().decode(out.stdout).trim();
      if (await exists(`${dir}/initdb`) && await exists(`${dir}/postgres`)) return dir;
    }
  } catch {
    // no pg_config on PATH
  }
  const versions: number[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
      const v = Number(entry.name);
      if (entry.isDirectory && Number.isFinite(v)) versions.push(v);
    }
  } catch {
    // not a Debian layout
  }
  versions.sort((a, b) => b - a);
  for (const v of versions) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (await exists(`${dir}/initdb`)) return dir;
  }
  throw new Error("PostgreSQL server binaries not found (no pg_config, no /usr/lib/postgresql/*)");
}

export async function startPostgres(opts: PostgresOptions): Promise<RunningPostgres> {
  const bin = opts.binDir ?? await findPostgresBinDir();
  const dataDir = absolute(opts.dataDir);
  const asRoot = Deno.uid() === 0;
  let ids: { uid: number; gid: number } | undefined;
  if (asRoot) ids = await osUser(OS_USER);

  const running = await runningPid(dataDir);
  if (running) {
    throw new Error(`a PostgreSQL server (pid ${running}) is already running on ${dataDir}`);
  }
  if (opts.fresh) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (ids) {
    await Deno.chown(dataDir, ids.uid, ids.gid);
    await openAncestors(dataDir);
  }

  // setpriv execs in place (signals reach postgres itself) and sets a parent-death signal,
  // so a server whose parent dies without calling stop() shuts down instead of lingering.
  const setpriv = await which("setpriv");
  const wrap = (cmd: string, args: string[], pdeathsig = false): [string, string[]] => {
    if (!setpriv) {
      if (ids) throw new Error("running as root needs setpriv (util-linux) to drop to 'postgres'");
      return [cmd, args];
    }
    const pre = ids ? [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups"] : [];
    if (pdeathsig) pre.push("--pdeathsig=INT");
    return pre.length ? [setpriv, [...pre, "--", cmd, ...args]] : [cmd, args];
  };

  if (await isEmptyDir(dataDir)) {
    const pwDir = await Deno.makeTempDir({ prefix: "pgpw-" });
    const pwFile = `${pwDir}/pw`;
    await Deno.writeTextFile(pwFile, "postgres\n");
    if (ids) {
      await Deno.chown(pwDir, ids.uid, ids.gid);
      await Deno.chown(pwFile, ids.uid, ids.gid);
    }
    try {
      const [cmd, args] = wrap(`${bin}/initdb`, [
        "-D",
        dataDir,
        "-U",
        "postgres",
        `--pwfile=${pwFile}`,
        "--auth-local=trust",
        "--auth-host=trust",
        "-E",
        "UTF8",
        "--no-locale",
        ...(opts.fresh ? ["--no-sync"] : []),
      ]);
      const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
      if (!out.success) {
        throw new Error(
          `initdb failed:\n${new TextDecoder().decode(out.stdout)}${
            new TextDecoder().decode(out.stderr)
          }`,
        );
      }
    } finally {
      await Deno.remove(pwDir, { recursive: true }).catch(() => {});
    }
  }

  const sockDir = await Deno.makeTempDir({ prefix: "pgsock-" });
  if (ids) await Deno.chown(sockDir, ids.uid, ids.gid);
  let certDir: string | undefined;
  let tls: ServerCertificate | undefined;
  if (opts.tls) {
    certDir = await Deno.makeTempDir({ prefix: "pgtls-" });
    if (ids) {
      await Deno.chown(certDir, ids.uid, ids.gid);
      await openAncestors(certDir);
    }
    tls = await makeServerCertificate(certDir, ids);
  }

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(opts.port),
    unix_socket_directories: sockDir,
    max_connections: "200",
    shared_buffers: "128MB",
    logging_collector: "off",
    log_min_messages: "warning",
    ...(opts.fresh ? { fsync: "off", full_page_writes: "off", synchronous_commit: "off" } : {}),
    ...(tls ? { ssl: "on", ssl_cert_file: tls.certFile, ssl_key_file: tls.keyFile } : {}),
  };
  const serverArgs = ["-D", dataDir];
  for (const [k, v] of Object.entries(settings)) serverArgs.push("-c", `${k}=${v}`);
  const [cmd, args] = wrap(`${bin}/postgres`, serverArgs, true);
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();

  // Keep the tail of the server log for error messages; draining the pipes also keeps the
  // server from blocking on a full pipe.
  let log = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      log = (log + dec.decode(chunk, { stream: true })).slice(-16_000);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  const url = `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres`;
  const hasPgIsReady = await exists(`${bin}/pg_isready`);
  const deadline = Date.now() + 30_000;
  while (true) {
    if (exited) {
      await drained;
      await Deno.remove(sockDir, { recursive: true }).catch(() => {});
      if (certDir) await Deno.remove(certDir, { recursive: true }).catch(() => {});
      throw new Error(`postgres exited during startup:\n${log}`);
    }
    const ready = hasPgIsReady
      ? await new Deno.Command(`${bin}/pg_isready`, {
        // through the private socket directory: only our own server can answer there
        args: ["-q", "-h", sockDir, "-p", String(opts.port), "-U", "postgres", "-d", "postgres"],
        stdout: "null",
        stderr: "null",
      }).output()
      : { success: await answersSelect(url) }; // npm's server ships no pg_isready
    if (ready.success) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await status;
      await drained;
      if (certDir) await Deno.remove(certDir, { recursive: true }).catch(() => {});
      throw new Error(`postgres did not become ready within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    caCert: tls?.caPem,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          try {
            child.kill("SIGINT"); // fast shutdown
          } catch {
            // already gone
          }
          const timer = setTimeout(() => {
            try {
              child.kill("SIGQUIT"); // immediate shutdown if fast shutdown hangs
            } catch {
              // gone
            }
          }, 20_000);
          await status;
          clearTimeout(timer);
        }
        await drained;
        await Deno.remove(sockDir, { recursive: true }).catch(() => {});
        if (certDir) await Deno.remove(certDir, { recursive: true }).catch(() => {});
      })();
      return stopping;
    },
  };
}

/** One `select 1` over TCP (readiness where pg_isready is missing). */
async function answersSelect(url: string): Promise<boolean> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    if (dir && await exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** The pid of a live postmaster on this data directory, if any. */
async function runningPid(dataDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dataDir}/postmaster.pid`);
  } catch {
    return undefined;
  }
  const pid = Number(text.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await exists(`/proc/${pid}`)) ? pid : undefined;
}

async function isEmptyDir(path: string): Promise<boolean> {
  for await (const _ of Deno.readDir(path)) return false;
  return true;
}

function absolute(path: string): string {
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return abs.replace(/\/+$/, "") || "/";
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(
    `running as root needs the '${name}' OS user to run PostgreSQL (Postgres refuses root)`,
  );
}

/** Lets the postgres OS user reach the data directory: adds o+x to ancestors lacking it. */
async function openAncestors(dir: string): Promise<void> {
  const parts = dir.split("/").filter(Boolean);
  for (let i = parts.length - 1; i >= 1; i--) {
    const p = "/" + parts.slice(0, i).join("/");
    const st = await Deno.stat(p);
    const mode = st.mode ?? 0;
    if ((mode & 0o001) === 0) await Deno.chmod(p, (mode & 0o7777) | 0o001);
  }
}
