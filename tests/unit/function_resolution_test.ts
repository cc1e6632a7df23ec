/**
 * What a deployed function carries: Supabase's bundler adds every npm package of a function's
 * resolution whole (bench/bundle_size.ts measures it), so no test or bench package may be
 * among them.
 */
import assert from "node:assert/strict";
import { codeGraph, functionGraph } from "../../bench/bundle_size.ts";

Deno.test("create-order's npm resolution holds no test-only package", async () => {
  const info = await functionGraph("create-order");
  const pkgs = info.npmPackages;
  const names = codeGraph(info).flatMap((m) => m.npmPackage ? [pkgs[m.npmPackage].name] : []);
  // ccxt's, zod's and jose's code comes from the generated modules (dev/vendor_build.ts); the
  // packages themselves are type-only imports, which the deploy bundle does not carry.
  // So no test-only package (playwright-core, esbuild, ...) is deployed either.
  assert.deepEqual([...new Set(names)].sort(), ["postgres"]);
});
