/**
 * The least of ccxt that works: its `binance` class, pro binance's WebSocket parsers and its
 * error classes, from the module `deno task build` generates out of the pinned npm package
 * (dev/vendor_build.ts). `import "ccxt"` would evaluate ~100 exchanges at start-up, and
 * Supabase's bundler would ship ccxt's whole 56 MB package folder with every function.
 * The generated file is not committed; start, test, bench and deploy build it first.
 */
import * as part from "../vendor/ccxt_binance.js";

/** ccxt's binance class, pro binance and the error classes the product classifies. */
export const ccxt = part;
