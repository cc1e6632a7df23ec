/**
 * `deno task start`: the local stack on embedded defaults. Flags:
 *   --reset          wipe the local database (.local/pgdata) first
 *   --ephemeral      throwaway database and free ports (what `deno task test` uses)
 *   --small          small simulator catalogue (~10 symbols)
 *   --stack-file F   where to write the stack description (default .local/stack.json)
 *   --quiet          no banner
 * Ctrl-C stops everything it started.
 */
import { parseArgs } from "node:util";
import { startStack } from "./stack.ts";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    reset: { type: "boolean", default: false },
    ephemeral: { type: "boolean", default: false },
    small: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    "stack-file": { type: "string" },
    "sync-every": { type: "string" },
  },
});

const started = performance.now();
const stackFile = values["stack-file"] ?? `${root}.local/stack.json`;
await Deno.mkdir(`${root}.local`, { recursive: true });
await Deno.remove(stackFile).catch(() => {});

const log = values.quiet ? () => {} : (line: string) => console.log(line);
const stack = await startStack({
  ephemeral: values.ephemeral === true,
  dataDir: `${root}.local/pgdata`,
  reset: values.reset === true,
  small: values.small === true,
  gatewayPort: Number(Deno.env.get("GATEWAY_PORT")) || undefined,
  syncEverySeconds: values["sync-every"] !== undefined ? Number(values["sync-every"]) : 60,
  log,
});
await Deno.writeTextFile(stackFile, JSON.stringify(stack.info, null, 2) + "\n", { mode: 0o600 });

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
  await Deno.remove(stackFile).catch(() => {});
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
