/**
 * The TypeScript client as another project gets it: `npm pack` in clients/ts, installed into
 * a fresh project with supabase-js and TypeScript from npm, then `tsc --strict` on code
 * that uses it with a real SupabaseClient, and a run of the built JavaScript under Node.
 */
import assert from "node:assert/strict";

const clientDir = new URL("../clients/ts", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${text}`);
  return text;
}

const hasNpm = await new Deno.Command("npm", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success).catch(() => false);

const CONSUMER = `import { createClient } from "@supabase/supabase-js";
import {
  type FetchOrdersResult,
  type HistoryPosition,
  newIdempotencyKey,
  trading,
  TradingError,
} from "@binance-spot-trading/client";

const supabase = createClient("http://127.0.0.1:54321", "anon-key");
const api = trading(supabase);

export async function demo(): Promise<string> {
  const key = newIdempotencyKey();
  try {
    const placed = await api.createOrder(
      { symbol: "BTC/USDT", side: "buy", type: "market", amount: "0.001" },
      { idempotencyKey: key },
    );
    const usedKey: string = placed.idempotencyKey;
    const status: string | undefined = placed.order?.status;
    const page: FetchOrdersResult = await api.fetchOrders({ symbol: "BTC/USDT", limit: 10 });
    const next: string | null = page.next_cursor;
    const fills = page.orders[0]?.fills ?? [];
    const positions = await api.fetchPositions({ include_unrealized_pnl: true });
    const first: HistoryPosition | undefined = positions.positions[0];
    const pnl: string | null | undefined = first?.unrealized_pnl;
    return [usedKey, status, next, fills.length, pnl].join(" ");
  } catch (e) {
    if (e instanceof TradingError && e.retryable) return "retry with " + e.idempotencyKey;
    throw e;
  }
}

// @ts-expect-error: fetch-orders has no such filter
api.fetchOrders({ colour: "red" });
// @ts-expect-error: create-order needs its options (the idempotency key)
api.createOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: "1" });
`;

/** No supabase-js: any object with functions.invoke fits; checked with skipLibCheck off. */
const PLAIN =
  `import { type FunctionsInvoker, trading, type ErrorCode } from "@binance-spot-trading/client";

const invoker: FunctionsInvoker = {
  functions: { invoke: async () => ({ data: { orders: [], next_cursor: null }, error: null }) },
};
export const page = trading(invoker).fetchOrders({ status: "open", include_fills: true });
export const code: ErrorCode = "RATE_LIMITED";
`;

Deno.test({
  name: "the TypeScript client installs from npm pack and passes tsc --strict in a new project",
  ignore: !hasNpm,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ts-consumer-" });
    try {
      await run("npm", ["ci", "--no-audit", "--no-fund"], clientDir);
      await run("npm", ["pack", "--pack-destination", dir], clientDir);
      const tgz = [...Deno.readDirSync(dir)].map((e) => e.name).find((n) => n.endsWith(".tgz"));
      assert.ok(tgz, "npm pack wrote no tarball");
      await Deno.writeTextFile(
        `${dir}/package.json`,
        JSON.stringify({ name: "consumer", private: true, type: "module" }),
      );
      await run("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        `./${tgz}`,
        "typescript@7.0.2",
        "@supabase/supabase-js@2.119.1",
      ], dir);
      await Deno.writeTextFile(`${dir}/index.ts`, CONSUMER);
      await Deno.writeTextFile(
        `${dir}/tsconfig.json`,
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            lib: ["ES2022", "DOM"],
            outDir: "out",
            skipLibCheck: false,
          },
          files: ["index.ts"],
        }),
      );
      // supabase-js's own declarations need @types/node and skipLibCheck (as in most
      // projects); the client's declarations are checked on their own below, unskipped.
      await run("npx", ["tsc", "--strict", "--skipLibCheck", "-p", "."], dir);
      await Deno.writeTextFile(`${dir}/plain.ts`, PLAIN);
      await Deno.writeTextFile(
        `${dir}/tsconfig.plain.json`,
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            lib: ["ES2022", "DOM"],
            skipLibCheck: false,
            types: [],
          },
          files: ["plain.ts"],
        }),
      );
      await run("npx", ["tsc", "-p", "tsconfig.plain.json"], dir);
      // The package's JavaScript loads and works under Node.
      const out = await run("node", [
        "--input-type=module",
        "-e",
        `import { newIdempotencyKey, CLIENT_ORDER_ID_PATTERN, ERROR_CODES } from "@binance-spot-trading/client";
         console.log(CLIENT_ORDER_ID_PATTERN.test(newIdempotencyKey()), ERROR_CODES.includes("RATE_LIMITED"));`,
      ], dir);
      assert.equal(out.trim(), "true true");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
