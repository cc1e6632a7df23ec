/** The partial ccxt load (supabase/functions/_shared/exchange/ccxt.ts) stays in step with deno.json. */
import assert from "node:assert";
import {
  candidateDirs,
  CCXT_VERSION,
  ccxtLoadedFrom,
} from "../../supabase/functions/_shared/exchange/ccxt.ts";

Deno.test("the ccxt version the loader looks for is the one deno.json pins", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.strictEqual(config.imports.ccxt, `npm:ccxt@${CCXT_VERSION}`);
  // Here (Deno's npm cache) only the binance part is loaded.
  assert.strictEqual(ccxtLoadedFrom, "binance-only");
});

Deno.test("ccxt's folder is derived from the probe's, for each npm layout", () => {
  assert.deepStrictEqual(candidateDirs("file:///c/npm/registry.npmjs.org/@noble/hashes/2.2.0"), [
    `file:///c/npm/registry.npmjs.org/ccxt/${CCXT_VERSION}/`,
  ]);
  assert.deepStrictEqual(
    candidateDirs("file:///p/node_modules/.deno/@noble+hashes@2.2.0/node_modules/@noble/hashes"),
    [
      `file:///p/node_modules/.deno/ccxt@${CCXT_VERSION}/node_modules/ccxt/`,
      "file:///p/node_modules/ccxt/",
    ],
  );
  assert.deepStrictEqual(candidateDirs("file:///p/node_modules/@noble/hashes"), [
    "file:///p/node_modules/ccxt/",
  ]);
  assert.deepStrictEqual(candidateDirs(undefined), []);
});
