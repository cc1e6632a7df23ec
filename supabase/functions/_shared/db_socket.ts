/**
 * TLS to Postgres on Deno: the socket postgres.js is given (its `socket` option) when the
 * database URL asks for TLS (`sslmode=require`, `verify-ca`, `verify-full`, `prefer`, `allow`).
 *
 * postgres.js negotiates TLS itself by sending SSLRequest on a node:net socket and then
 * upgrading that socket with node:tls. Under Deno 2.1 the upgrade never completes: the
 * connection hangs until CONNECT_TIMEOUT, whatever the certificate (measured against a local
 * Postgres with `ssl=on`; tests/functions/db_tls_test.ts). Without TLS, the key secrets that begin_order
 * returns would cross the network in clear, and a database that enforces TLS could not be used
 * at all. So this module opens the connection with Deno's own TCP and TLS: it sends
 * SSLRequest, reads the server's one-byte answer, and on `S` runs the handshake with
 * `Deno.startTls`, then hands postgres.js a connection that is already encrypted (postgres.js
 * is told `ssl: false`). Deno always verifies the server's certificate chain and name; for a
 * certificate from a private CA (Supabase's own), `caCerts` adds that CA
 * (`TRADING_DB_CA_CERT`). There is no unverified mode: a certificate that cannot be verified
 * fails the connection with a message that says so.
 *
 * The object returned speaks the part of node's `net.Socket` that postgres.js uses: `data`,
 * `error`, `close` and `drain` events, `write(chunk, callback)`, `end`, `destroy` and
 * `readyState`.
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

/**
 * libpq's `sslmode` values that ask for TLS. `allow` and `prefer` use it when the server offers
 * it (libpq's `allow` tries without first; here both try TLS first, which a server that
 * offers TLS accepts either way); the others refuse a server without TLS.
 */
export const TLS_MODES = ["allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type TlsMode = typeof TLS_MODES[number];

/** Connection failures raised here carry this code: the database is unusable as configured. */
export const TLS_FAILED = "DB_TLS_FAILED";

/** SSLRequest: length 8, then the code 80877103 (Postgres protocol, "SSL Session Encryption"). */
const SSL_REQUEST = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

const READ_BUFFER_BYTES = 64 * 1024;

export interface TlsSocketOptions {
  mode: TlsMode;
  /** PEM certificates of CAs to trust besides the runtime's roots. */
  caCerts?: string[];
  /** Longest wait for TCP, the server's answer and the handshake together. */
  connectTimeoutMs: number;
}

/** What postgres.js passes to its `socket` option: its parsed connection options. */
export interface PostgresJsOptions {
  host: string[];
  port: number[];
  /** A Unix socket, when the URL names one. */
  path?: string | false;
}

function failure(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code: TLS_FAILED });
}

/** Reads exactly one byte (the server's answer to SSLRequest). */
async function readOneByte(conn: Deno.Conn): Promise<number> {
  const one = new Uint8Array(1);
  const n = await conn.read(one);
  if (n === null || n === 0) throw failure("the database closed the connection after SSLRequest");
  return one[0];
}

/** The connection being opened, so that a timeout can close it wherever it is waiting. */
interface Opening {
  conn?: Deno.Conn;
  abandoned: boolean;
}

/** Opens a connection as the options ask: encrypted, or plain when `prefer` meets a server without TLS. */
async function open(
  hostname: string,
  port: number,
  opts: TlsSocketOptions,
  opening: Opening,
): Promise<Deno.Conn> {
  const tcp = await Deno.connect({ hostname, port });
  opening.conn = tcp;
  if (opening.abandoned) tcp.close();
  try {
    tcp.setNoDelay(true);
    tcp.setKeepAlive(true);
    await tcp.write(SSL_REQUEST);
    const answer = await readOneByte(tcp);
    if (answer === 0x4e /* N */) {
      if (opts.mode === "prefer" || opts.mode === "allow") return tcp;
      throw failure(
        `the database at ${hostname}:${port} does not accept TLS (sslmode=${opts.mode})`,
      );
    }
    if (answer !== 0x53 /* S */) {
      throw failure(`the database answered SSLRequest with byte ${answer}, not S or N`);
    }
    const tls = await Deno.startTls(tcp, { hostname, caCerts: opts.caCerts });
    opening.conn = tls;
    if (opening.abandoned) tls.close();
    try {
      await tls.handshake();
    } catch (err) {
      tls.close();
      throw failure(
        `TLS handshake with the database at ${hostname}:${port} failed (${
          err instanceof Error ? err.message : String(err)
        }); a certificate from a private CA needs that CA in TRADING_DB_CA_CERT`,
        err,
      );
    }
    return tls;
  } catch (err) {
    try {
      tcp.close();
    } catch {
      // Already closed (startTls took it over).
    }
    throw err;
  }
}

/**
 * A node-like socket over a Deno connection, as postgres.js uses one. Reads run in a loop
 * from creation; writes are queued in order and never report back-pressure (postgres.js only
 * writes whole protocol messages, and only for its own queries).
 */
class DenoSocket extends EventEmitter {
  readyState: "open" | "closed" = "open";
  host: string;
  port: number;
  #conn: Deno.Conn;
  #writes: Promise<void> = Promise.resolve();

  constructor(conn: Deno.Conn, host: string, port: number) {
    super();
    this.#conn = conn;
    this.host = host;
    this.port = port;
    // Nothing arrives before postgres.js sends its startup message, and by then it has
    // attached its listeners.
    queueMicrotask(() => this.#readLoop());
  }

  async #readLoop() {
    const buf = new Uint8Array(READ_BUFFER_BYTES);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        // A copy: postgres.js may keep a chunk while the next read fills the buffer.
        if (n > 0) this.emit("data", Buffer.from(buf.subarray(0, n)));
      }
      this.#close(false);
    } catch (err) {
      if (this.readyState === "closed") return;
      this.#fail(err);
    }
  }

  /** An error event (never unheard: an EventEmitter throws one nobody listens to), then close. */
  #fail(err: unknown) {
    if (this.listenerCount("error") > 0) this.emit("error", err);
    this.#close(true);
  }

  #close(hadError: boolean) {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    this.emit("close", hadError);
  }

  write(chunk: Uint8Array, callback?: (err?: Error) => void): boolean {
    const conn = this.#conn;
    this.#writes = this.#writes.then(async () => {
      if (this.readyState === "closed") throw new Error("write after the connection closed");
      for (let at = 0; at < chunk.length;) at += await conn.write(chunk.subarray(at));
    }).then(
      () => callback?.(),
      (err) => {
        callback?.(err);
        if (this.readyState !== "closed") this.#fail(err);
      },
    );
    return true;
  }

  end(chunk?: Uint8Array) {
    if (chunk) this.write(chunk);
    this.#writes.finally(() => this.#close(false));
  }

  destroy() {
    this.#close(false);
  }

  // Flow control is only used by COPY streams, which this product does not run.
  pause() {}
  resume() {}
  setKeepAlive() {}
}

/** The `socket` option for postgres.js: every connection opened with TLS as `opts` says. */
export function tlsSocket(opts: TlsSocketOptions) {
  return async (pgOptions: PostgresJsOptions): Promise<DenoSocket> => {
    // postgres.js tries several hosts in turn, or a Unix socket, only on its own sockets: say
    // so rather than connect somewhere else than the URL says.
    if (pgOptions.host.length !== 1 || pgOptions.path) {
      throw failure("sslmode needs a database URL with exactly one host and no Unix socket");
    }
    const hostname = pgOptions.host[0];
    const port = pgOptions.port[0];
    let timer: number | undefined;
    const state: Opening = { abandoned: false };
    const opening = open(hostname, port, opts, state);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Closed wherever it waits (a server that never answers SSLRequest, a stalled
        // handshake), and closed if it arrives later: never leaked.
        state.abandoned = true;
        try {
          state.conn?.close();
        } catch {
          // Already closed.
        }
        opening.then((c) => {
          try {
            c.close();
          } catch {
            // Already closed.
          }
        }, () => {});
        reject(Object.assign(
          new Error(`connecting to the database at ${hostname}:${port} timed out`),
          { code: "CONNECT_TIMEOUT" },
        ));
      }, opts.connectTimeoutMs);
    });
    try {
      return new DenoSocket(await Promise.race([opening, timeout]), hostname, port);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * The TLS mode a database URL asks for, and the URL without the TLS parameters (postgres.js
 * would otherwise negotiate itself, or send them to the server as settings). `mode` is
 * undefined when the URL asks for no TLS: no `sslmode`, or `disable` / `false`. Any other value
 * postgres.js would take as TLS, which it cannot complete under Deno: `ssl=true` (postgres.js:
 * verified TLS) becomes verify-full, and a value neither knows is refused by name rather than
 * left to hang.
 */
export function tlsModeOf(url: string): { mode: TlsMode | undefined; url: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { mode: undefined, url };
  }
  let mode = parsed.searchParams.get("sslmode") ?? parsed.searchParams.get("ssl");
  // postgres.js reads `sslrootcert=system` as verify-full.
  if (mode === null && parsed.searchParams.get("sslrootcert") === "system") mode = "verify-full";
  if (mode === null || mode === "disable" || mode === "false") return { mode: undefined, url };
  if (mode === "true") mode = "verify-full";
  if (!(TLS_MODES as readonly string[]).includes(mode)) {
    throw failure(`unknown sslmode in the database URL: ${mode.slice(0, 20)}`);
  }
  for (const p of ["sslmode", "ssl", "sslrootcert"]) parsed.searchParams.delete(p);
  return { mode: mode as TlsMode, url: parsed.toString() };
}
