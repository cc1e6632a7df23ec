// After tsc: points the declaration files at ./types.js. tsc rewrites `./types.ts` to
// `./types.js` in the JavaScript it emits (rewriteRelativeImportExtensions) but not in the
// .d.ts files, and a consumer's tsc must not meet a .ts import there.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

for (const f of readdirSync("dist").filter((f) => f.endsWith(".d.ts"))) {
  const path = `dist/${f}`;
  writeFileSync(path, readFileSync(path, "utf8").replace(/(from\s+"\.\/[\w-]+)\.ts"/g, '$1.js"'));
}
