/**
 * The least of ccxt that works: its `binance` class and its error classes, without the ~100
 * other exchanges that `import "ccxt"` evaluates (measured here: ~250 ms of start-up and
 * ~40 MB of RSS for the full entry against ~45 ms for these modules).
 *
 * ccxt's package.json exports only its full entry, so `npm:ccxt/js/src/binance.js` is refused
 * by the resolver. The modules are loaded by file URL instead, from the package's folder in
 * the npm cache the runtime already uses (Deno's global cache or a `node_modules` folder; a
 * deployed bundle's file system was not available here to check). That folder is found next
 * to a ccxt dependency (`@noble/hashes`, exported and tiny) from the location in one of its
 * stack frames. Nothing of ccxt is copied into the repository. Where no candidate loads (an
 * unknown layout), the full `ccxt` entry is imported: slower to start, same behaviour.
 */
import type ccxtAll from "ccxt";
import { anumber } from "@noble/hashes/utils.js";

/** Must equal the version of `ccxt` in deno.json (tests/unit/ccxt_part_test.ts checks it). */
export const CCXT_VERSION = "4.5.84";
/** ccxt's own dependency, used to find where npm packages live. */
const PROBE = { name: "@noble/hashes", version: "2.2.0" };

type Ccxt = typeof ccxtAll;
/** What the product uses of ccxt: the binance class and the error classes. */
export type CcxtPart = Pick<
  Ccxt,
  | "binance"
  | "BaseError"
  | "ExchangeError"
  | "AuthenticationError"
  | "PermissionDenied"
  | "BadRequest"
  | "BadResponse"
  | "BadSymbol"
  | "InsufficientFunds"
  | "InvalidOrder"
  | "OrderNotFound"
  | "NetworkError"
  | "DDoSProtection"
  | "RateLimitExceeded"
  | "ExchangeNotAvailable"
  | "OnMaintenance"
  | "InvalidNonce"
  | "RequestTimeout"
>;

/** The URL of the probe module's file, from a stack frame of an error it throws. */
function probeFileUrl(): string | undefined {
  try {
    anumber("not a number" as unknown as number);
  } catch (err) {
    const stack = String((err as Error).stack ?? "");
    const m = stack.match(/(file:\/\/\/[^\s)]*?)\/utils\.js:\d+:\d+/);
    return m?.[1];
  }
  return undefined;
}

/** Folders that may hold ccxt's package, derived from the probe's folder. */
export function candidateDirs(probeDir: string | undefined): string[] {
  if (!probeDir) return [];
  const out: string[] = [];
  // A global cache: <root>/@noble/hashes/2.2.0 → <root>/ccxt/4.5.84
  const flat = `/${PROBE.name}/${PROBE.version}`;
  if (probeDir.endsWith(flat)) {
    out.push(`${probeDir.slice(0, -flat.length)}/ccxt/${CCXT_VERSION}/`);
  }
  // A node_modules folder: <nm>/.deno/@noble+hashes@2.2.0/node_modules/@noble/hashes
  const nested = `/.deno/${
    PROBE.name.replace("/", "+")
  }@${PROBE.version}/node_modules/${PROBE.name}`;
  if (probeDir.endsWith(nested)) {
    const root = probeDir.slice(0, -nested.length);
    out.push(`${root}/.deno/ccxt@${CCXT_VERSION}/node_modules/ccxt/`);
    out.push(`${root}/ccxt/`);
    return out;
  }
  // A plain node_modules: <nm>/@noble/hashes → <nm>/ccxt
  const plain = `/node_modules/${PROBE.name}`;
  if (probeDir.endsWith(plain)) out.push(`${probeDir.slice(0, -PROBE.name.length)}ccxt/`);
  return out;
}

/** How ccxt was loaded, for the cold-start figures. */
export let ccxtLoadedFrom: "binance-only" | "full" = "full";

async function load(): Promise<CcxtPart> {
  for (const dir of candidateDirs(probeFileUrl())) {
    try {
      const [binance, errors] = await Promise.all([
        import(`${dir}js/src/binance.js`),
        import(`${dir}js/src/base/errors.js`),
      ]);
      if (typeof binance.default !== "function") continue;
      ccxtLoadedFrom = "binance-only";
      return { ...errors, binance: binance.default } as CcxtPart;
    } catch {
      // Not there: next candidate.
    }
  }
  const full = (await import("ccxt")).default;
  ccxtLoadedFrom = "full";
  return full;
}

/** ccxt's binance class and error classes, loaded once per isolate. */
export const ccxt: CcxtPart = await load();
