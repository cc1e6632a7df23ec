/**
 * The original design (the first spec, rebuilt in bench/original/): a Node.js ccxt service spawned with a package runner
 * (`npm run start`), driven over stdin/stdout JSON-RPC, one request at a time behind a mutex
 * as the seed's Go client does. bench/original/ holds the service; its README comment says
 * what was kept from the seed.
 */
import type { StackInfo } from "../dev/stack.ts";
import type { Account } from "./lib.ts";
import { cpuPerOrder, cpuSnapshot, stats, timeSamples } from "./lib.ts";

const dir = new URL("./original/", import.meta.url).pathname;

class RpcClient {
  #proc: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  #lock: Promise<void> = Promise.resolve();
  #id = 0;

  constructor(binanceUrl: string) {
    this.#proc = new Deno.Command("npm", {
      args: ["run", "--silent", "start"],
      cwd: dir,
      env: { BINANCE_API_URL: binanceUrl },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#proc.stdin.getWriter();
    this.#lines = this.#proc.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
      new TransformStream<string, string>(
        {
          buffer: "",
          transform(chunk, ctl) {
            // deno-lint-ignore no-explicit-any
            const self = this as any;
            self.buffer += chunk;
            const parts = self.buffer.split("\n");
            self.buffer = parts.pop();
            for (const p of parts) if (p) ctl.enqueue(p);
          },
        } as Transformer<string, string> & { buffer: string },
      ),
    )[Symbol.asyncIterator]();
  }

  /** One call at a time (the seed's `sync.Mutex`). */
  call(method: string, params: Record<string, unknown>): Promise<unknown> {
    const run = this.#lock.then(async () => {
      const id = `req-${++this.#id}`;
      await this.#writer.write(
        new TextEncoder().encode(JSON.stringify({ id, method, params }) + "\n"),
      );
      const { value } = await this.#lines.next();
      const res = JSON.parse(value as string);
      if (res.error) throw new Error(res.error);
      return res.result;
    });
    this.#lock = run.then(() => {}, () => {});
    return run;
  }

  async close() {
    await this.#writer.close().catch(() => {});
    this.#proc.kill("SIGTERM");
    await this.#proc.status;
  }
}

async function ensureInstalled() {
  try {
    await Deno.stat(`${dir}node_modules/ccxt/package.json`);
  } catch {
    const out = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--silent"],
      cwd: dir,
    }).output();
    if (!out.success) throw new Error("npm install of the original design failed");
  }
}

export async function measureOriginal(
  info: StackInfo,
  accounts: Account[],
  opts: { n: number; seconds: number; maxOrders: number; levels: number[] },
) {
  await ensureInstalled();
  const order = (a: Account) => ({
    apiKey: a.apiKey,
    secret: a.secret,
    symbol: "BTC/USDT",
    type: "market",
    side: "buy",
    amount: 0.0001,
  });
  const t0 = performance.now();
  const client = new RpcClient(info.binance_url);
  try {
    await client.call("createOrder", order(accounts[0]));
    const coldMs = Math.round(performance.now() - t0);
    const perOrderSamples = await timeSamples(
      opts.n,
      () => client.call("createOrder", order(accounts[0])),
    );
    // Warm every account's instance first (each loads markets once, as the seed does).
    for (const a of accounts) await client.call("createOrder", order(a));
    const throughput = [];
    for (const users of opts.levels) {
      const deadline = performance.now() + opts.seconds * 1000;
      const samples: number[] = [];
      let sent = 0;
      const start = performance.now();
      const cpu0 = await cpuSnapshot();
      await Promise.all(
        accounts.slice(0, users).map(async (a) => {
          while (performance.now() < deadline && sent < opts.maxOrders) {
            sent++;
            const s = performance.now();
            await client.call("createOrder", order(a)).catch(() => {});
            samples.push(performance.now() - s);
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      const cpu = cpuPerOrder(cpu0, await cpuSnapshot(), samples.length);
      throughput.push({
        users,
        orders: samples.length,
        orders_per_second: Math.round(samples.length / seconds),
        ...stats(samples),
        ...cpu,
      });
    }
    return {
      cold_start_ms: coldMs,
      per_order: stats(perOrderSamples),
      per_order_samples: perOrderSamples.map((x) => Math.round(x * 1000) / 1000),
      throughput,
    };
  } finally {
    await client.close();
  }
}
