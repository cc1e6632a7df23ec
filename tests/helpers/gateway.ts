/**
 * A gateway in its own process over the test stack (dev/gateway_main.ts), for tests that kill
 * it or cut its database; and a TCP proxy to Postgres that a test can cut and restore.
 */
const root = new URL("../../", import.meta.url).pathname;

export interface GatewayProcess {
  url: string;
  proc: Deno.ChildProcess;
  /** Everything it printed, once it has exited. */
  output: Promise<string>;
  stop(): Promise<string>;
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}dev/gateway_main.ts`, "--stack-file", Deno.env.get("STACK_FILE")!],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("gateway exited before listening");
    first += value;
  }
  const url = JSON.parse(first.split("\n")[0]).url as string;
  const rest = (async () => {
    let out = first;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      out += value;
    }
  })();
  const err = new Response(proc.stderr).text();
  const output = Promise.all([rest, err]).then(([a, b]) => a + b);
  return {
    url,
    proc,
    output,
    async stop() {
      try {
        proc.kill("SIGTERM");
      } catch {
        // already exited
      }
      await proc.status;
      return await output;
    },
  };
}

/** A TCP proxy to a Postgres URL's host:port; `cut()` drops every connection and refuses new ones. */
export class DbProxy {
  #listener: Deno.Listener;
  #conns = new Set<Deno.Conn>();
  #up = true;
  readonly url: string;

  constructor(dbUrl: string) {
    const target = new URL(dbUrl);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    const port = (listener.addr as Deno.NetAddr).port;
    const proxied = new URL(dbUrl);
    proxied.port = String(port);
    this.url = proxied.toString();
    (async () => {
      for await (const client of listener) {
        if (!this.#up) {
          client.close();
          continue;
        }
        try {
          const server = await Deno.connect({
            hostname: target.hostname,
            port: Number(target.port),
          });
          this.#conns.add(client);
          this.#conns.add(server);
          const done = () => {
            for (const c of [client, server]) {
              this.#conns.delete(c);
              try {
                c.close();
              } catch {
                // closed already
              }
            }
          };
          client.readable.pipeTo(server.writable).catch(() => {}).finally(done);
          server.readable.pipeTo(client.writable).catch(() => {}).finally(done);
        } catch {
          client.close();
        }
      }
    })().catch(() => {});
  }

  cut() {
    this.#up = false;
    for (const c of this.#conns) {
      try {
        c.close();
      } catch {
        // closed already
      }
    }
    this.#conns.clear();
  }

  restore() {
    this.#up = true;
  }

  close() {
    this.cut();
    this.#listener.close();
  }
}
