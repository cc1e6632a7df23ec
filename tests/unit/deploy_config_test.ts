import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

Deno.test("every function has a config.toml block with verify_jwt off and the shared import map", () => {
  const config = read("supabase/config.toml");
  const functions = [...Deno.readDirSync(new URL("supabase/functions/", root))]
    .filter((e) => e.isDirectory && !e.name.startsWith("_"))
    .map((e) => e.name)
    .sort();
  assert.equal(functions.length, 13);
  for (const name of functions) {
    const block = config.split(`[functions.${name}]`)[1]?.split("\n[")[0] ?? "";
    assert.match(block, /verify_jwt = false/, name);
    assert.match(block, /import_map = "\.\/functions\/import_map\.json"/, name);
  }
});

Deno.test("the functions' import map pins the same packages as deno.json", () => {
  const deno = JSON.parse(read("deno.json")).imports as Record<string, string>;
  const map = JSON.parse(read("supabase/functions/import_map.json")).imports as Record<
    string,
    string
  >;
  // What the deployed functions import; deno.json has test-only packages besides.
  for (
    const name of [
      "ccxt",
      "zod",
      "jose",
      "postgres",
    ]
  ) {
    assert.ok(map[name], `${name} is in the functions' import map`);
  }
  for (const [name, spec] of Object.entries(map)) {
    assert.equal(spec, deno[name], `${name}: the same pinned version as deno.json`);
    assert.match(spec, /^npm:.+@\d+\.\d+\.\d+/);
  }
});

Deno.test("each function's index.ts only wires its operation into the shared server", () => {
  for (const e of Deno.readDirSync(new URL("supabase/functions/", root))) {
    if (!e.isDirectory || e.name.startsWith("_")) continue;
    const lines = read(`supabase/functions/${e.name}/index.ts`).trim().split("\n").filter(Boolean);
    assert.equal(lines.length, 3, e.name);
    assert.match(lines[2], /^serve\(\w+\);$/);
  }
});
