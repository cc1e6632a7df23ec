/**
 * Runs the Binance Spot simulator: `deno run -A dev/binance-sim/main.ts [--port 54329]
 * [--small] [--seed 1] [--latency-ms 0] [--walk-ms 0]`. Prints `{"url": ...}` when listening.
 */
import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "54329" },
    small: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    "latency-ms": { type: "string", default: "0" },
    "walk-ms": { type: "string", default: "0" },
  },
});

const sim = await startSimulator({
  port: Number(values.port),
  catalogue: values.small ? "small" : "full",
  seed: Number(values.seed),
  latencyMs: Number(values["latency-ms"]),
  walkMs: Number(values["walk-ms"]),
});
console.log(JSON.stringify({ url: sim.url }));
const stop = async () => {
  await sim.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
