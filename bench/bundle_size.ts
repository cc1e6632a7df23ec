/**
 * `deno task bundle-size`: each function's deploy bundle as Supabase's bundler builds it: the
 * function's own modules plus every npm package folder of its resolution, whole (the bundle's
 * virtual file system takes package folders, not the files a module graph reaches). The
 * resolution is what `deno info` finds from the function's entry point with the functions'
 * import map (supabase/config.toml), following code imports only, closed over package
 * dependencies. Sizes are raw and
 * brotli-compressed (quality 9, one stream per package). Prints JSON; bench/main.ts puts it in
 * the report.
 */
import { brotliCompressSync, constants } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const MB = (n: number) => Math.round((n / 1024 / 1024) * 100) / 100;

interface PackageSize {
  name: string;
  raw: number;
  brotli: number;
  files: number;
}

async function denoJson(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), { args, stderr: "null" }).output();
  if (!out.success) throw new Error(`deno ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(path);
    else if (e.isFile) yield path;
  }
}

const packageCache = new Map<string, Promise<PackageSize>>();

function packageSize(npmCache: string, name: string, version: string): Promise<PackageSize> {
  const key = `${name}@${version}`;
  let p = packageCache.get(key);
  if (!p) {
    p = (async () => {
      const chunks: Uint8Array[] = [];
      let raw = 0;
      let files = 0;
      for await (const file of walk(`${npmCache}/registry.npmjs.org/${name}/${version}`)) {
        const bytes = await Deno.readFile(file);
        chunks.push(bytes);
        raw += bytes.length;
        files++;
      }
      const all = new Uint8Array(raw);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      const brotli = brotliCompressSync(all, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24 },
      }).length;
      return { name: key, raw, brotli, files };
    })();
    packageCache.set(key, p);
  }
  return p;
}

interface GraphModule {
  specifier: string;
  local?: string;
  npmPackage?: string;
  dependencies?: { code?: { specifier: string } }[];
}

/**
 * The modules a function's code reaches from its entry: imports that only bring types (`import
 * type`, `@ts-types`, a .d.ts) are left out, as Supabase's bundler builds the code graph only.
 */
export function codeGraph(
  info: { roots: string[]; modules: GraphModule[]; redirects: Record<string, string> },
): GraphModule[] {
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Map<string, GraphModule>();
  const queue = [...info.roots];
  while (queue.length) {
    let spec = queue.pop()!;
    spec = info.redirects[spec] ?? spec;
    const m = bySpecifier.get(spec);
    if (!m || seen.has(spec)) continue;
    seen.set(spec, m);
    for (const d of m.dependencies ?? []) if (d.code) queue.push(d.code.specifier);
  }
  return [...seen.values()];
}

/** `deno info --json` of a function's entry point, with the functions' import map. */
export function functionGraph(name: string): Promise<FunctionGraph> {
  return denoJson([
    "info",
    "--json",
    "--no-config",
    "--import-map",
    `${root}supabase/functions/import_map.json`,
    `${root}supabase/functions/${name}/index.ts`,
  ]);
}

export interface FunctionGraph {
  roots: string[];
  modules: GraphModule[];
  redirects: Record<string, string>;
  npmPackages: Record<string, { name: string; version: string; dependencies: string[] }>;
}

export async function measureBundles() {
  const { npmCache } = await denoJson(["info", "--json"]);
  const names = [...Deno.readDirSync(`${root}supabase/functions`)]
    .filter((e) => e.isDirectory && !e.name.startsWith("_")).map((e) => e.name).sort();
  const functions = [];
  for (const name of names) {
    const info = await functionGraph(name);
    const pkgs = info.npmPackages;
    const modules = codeGraph(info);
    // Roots: the npm specifiers the code graph imports; then their dependencies.
    const wanted = new Set<string>();
    const queue: string[] = [];
    for (const m of modules) {
      if (m.npmPackage) queue.push(m.npmPackage);
    }
    while (queue.length) {
      const id = queue.pop()!;
      if (wanted.has(id) || !pkgs[id]) continue;
      wanted.add(id);
      queue.push(...pkgs[id].dependencies);
    }
    const sizes = await Promise.all(
      [...wanted].map((id) => packageSize(npmCache, pkgs[id].name, pkgs[id].version)),
    );
    let localRaw = 0;
    const localChunks: Uint8Array[] = [];
    for (const m of modules) {
      if (m.specifier.startsWith("file:") && m.local) {
        const bytes = await Deno.readFile(m.local);
        localRaw += bytes.length;
        localChunks.push(bytes);
      }
    }
    const localBrotli =
      brotliCompressSync(new Uint8Array(await new Blob(localChunks).arrayBuffer()))
        .length;
    const raw = localRaw + sizes.reduce((a, s) => a + s.raw, 0);
    const brotli = localBrotli + sizes.reduce((a, s) => a + s.brotli, 0);
    functions.push({
      name,
      packages: sizes.map((s) => s.name).sort(),
      files: sizes.reduce((a, s) => a + s.files, 0) + localChunks.length,
      raw_mb: MB(raw),
      brotli_mb: MB(brotli),
      local_kb: Math.round(localRaw / 1024),
      largest: [...sizes].sort((a, b) => b.raw - a.raw).slice(0, 3).map((s) => ({
        name: s.name,
        raw_mb: MB(s.raw),
        brotli_mb: MB(s.brotli),
      })),
    });
  }
  return { method: "package folders whole + own modules, brotli q9 per package", functions };
}

if (import.meta.main) {
  console.log(JSON.stringify(await measureBundles(), null, 2));
}
