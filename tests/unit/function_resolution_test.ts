/**
 * What a deployed function carries: Supabase's bundler adds every npm package of a function's
 * resolution whole (bench/bundle_size.ts measures it), so no test or bench package may be
 * among them.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;
const TEST_ONLY = ["playwright-core", "@resvg/resvg-wasm", "@types/node"];

Deno.test("create-order's npm resolution holds no test-only package", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "info",
      "--json",
      "--no-config",
      "--import-map",
      `${root}supabase/functions/import_map.json`,
      `${root}supabase/functions/create-order/index.ts`,
    ],
    stderr: "null",
  }).output();
  assert.ok(out.success);
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const names = Object.values(info.npmPackages as Record<string, { name: string }>).map((p) =>
    p.name
  );
  assert.ok(names.includes("ccxt"), "ccxt is resolved");
  for (const name of TEST_ONLY) assert.ok(!names.includes(name), `${name} is not deployed`);
});
