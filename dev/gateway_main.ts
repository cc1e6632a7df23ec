/**
 * A gateway in its own process, over an existing stack (`--stack-file`): what reliability
 * tests kill and restart. `TRADING_CRASH_AFTER_EXCHANGE=<rate>` (test only, never deployed)
 * makes the process exit right after Binance acknowledged an order and before it is
 * recorded, for that share of orders: the crash that sync-orders must repair.
 * `TRADING_AFTER_EXCHANGE_URL` is called at that same point, `TRADING_TEST_DB_URL` replaces
 * the stack's database URL (reliability tests put a TCP proxy they can cut in between).
 * Prints `{"url": ...}` when listening.
 */
import { parseArgs } from "node:util";
import { startGateway } from "./gateway.ts";
import { passThrough, platformEnv, type StackInfo } from "./stack.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { "stack-file": { type: "string" }, port: { type: "string", default: "0" } },
});
const info = JSON.parse(await Deno.readTextFile(values["stack-file"]!)) as StackInfo;
const crashRate = Number(Deno.env.get("TRADING_CRASH_AFTER_EXCHANGE") ?? "0");
/** Test only: a URL called after the exchange answered an order (e.g. to cut the database). */
const afterExchangeUrl = Deno.env.get("TRADING_AFTER_EXCHANGE_URL");
const dbUrl = Deno.env.get("TRADING_TEST_DB_URL") ?? info.db_url;

const gateway = startGateway({
  port: Number(values.port),
  env: {
    ...platformEnv(info),
    SUPABASE_DB_URL: dbUrl,
    BINANCE_TIMEOUT_MS: Deno.env.get("BINANCE_TIMEOUT_MS") ?? "3000",
    SUBMIT_LEASE_SECONDS: Deno.env.get("SUBMIT_LEASE_SECONDS") ?? "15",
    TRADING_DB_TIMEOUT_MS: Deno.env.get("TRADING_DB_TIMEOUT_MS") ?? "3000",
    // The same pass-through as the stack's own gateway (e.g. the bench's lifted weight guard).
    ...passThrough(),
  },
  hooks: crashRate > 0 || afterExchangeUrl
    ? {
      afterExchange: async () => {
        if (afterExchangeUrl) await fetch(afterExchangeUrl).then((r) => r.body?.cancel());
        if (Math.random() < crashRate) {
          console.error("crash hook: exiting between the exchange's answer and the database");
          Deno.exit(86);
        }
      },
    }
    : {},
});
console.log(JSON.stringify({ url: gateway.url }));
