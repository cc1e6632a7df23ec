/**
 * The generated modules (dev/vendor_build.ts) are the pinned packages' code and reach nothing
 * outside the runtime; ccxt's binance part behaves as the package's own `binance` class does.
 */
import assert from "node:assert";
import ccxtPackage from "ccxt";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { isCurrent, MODULES, vendorPath } from "../../dev/vendor_build.ts";

const sources = new Map(
  await Promise.all(
    MODULES.map(async (m) => [m.pkg, await Deno.readTextFile(vendorPath(m.file))] as const),
  ),
);
const source = sources.get("ccxt")!;

Deno.test("each generated module was built from the version deno.json pins", async () => {
  for (const m of MODULES) {
    assert.ok(await isCurrent(m), `${m.file} is stale: run deno task build`);
  }
});

Deno.test("the generated modules import only the runtime's node: modules", () => {
  for (const [pkg, text] of sources) {
    // Minified: an import may follow a semicolon on the same line.
    const staticImports = [...text.matchAll(/(?:^|;)import\s*[^;()]*?from\s*"([^"]+)"/gm)].map((
      m,
    ) => m[1]);
    const literalDynamic = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]);
    for (const spec of [...staticImports, ...literalDynamic]) {
      assert.match(spec, /^node:/, `${pkg}: ${spec} would need a package in the deploy bundle`);
    }
  }
  // The check sees ccxt's one static import of a built-in.
  assert.match(source, /import\s*\w+\s*from\s*"node:crypto"/);
});

Deno.test("what the build leaves out serves other exchanges, Node's fetch path and compressed frames", () => {
  // Binance's classes never reach StarkNet signing (only StarkNet exchanges call it).
  for (const Cls of [ccxt.binance, ccxt.proBinance]) {
    assert.doesNotMatch(String(Cls), /starknet|pedersen|poseidon/i);
  }
  const leftOut = [...source.matchAll(/Error\("(\S+) is not part of this build of ccxt/g)]
    .map((m) => m[1]).sort();
  assert.deepStrictEqual(leftOut, [
    "../protobuf/mexc/compiled.cjs",
    "../static_dependencies/dydx-v4-client/cosmos/tx/signing/v1beta1/signing.js",
    "../static_dependencies/dydx-v4-client/cosmos/tx/v1beta1/tx.js",
    "../static_dependencies/dydx-v4-client/registry.js",
    "@scure/starknet",
    "fflate",
    "protobufjs/minimal.js",
    "undici",
  ]);
});

Deno.test("the bundled binance describes Binance exactly as the npm package's does", () => {
  const bundled = new ccxt.binance({ options: { defaultType: "spot" } });
  const packaged = new ccxtPackage.binance({ options: { defaultType: "spot" } });
  assert.deepStrictEqual(
    JSON.parse(JSON.stringify(bundled.describe())),
    JSON.parse(JSON.stringify(packaged.describe())),
  );
  // The same signature for the same request: HMAC-SHA256 over the same query.
  for (const ex of [bundled, packaged]) {
    ex.apiKey = "key";
    ex.secret = "secret";
    ex.nonce = () => 1_700_000_000_000;
  }
  const req = (ex: typeof bundled) =>
    ex.sign("order", "private", "POST", {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      newClientOrderId: "fixed-id",
    });
  assert.deepStrictEqual(req(bundled), req(packaged));
});

Deno.test("pro binance parses an executionReport as the npm package's does", () => {
  // Binance user-data-stream.md, "Order Update": the executionReport payload.
  const report = {
    e: "executionReport",
    E: 1499405658658,
    s: "ETHBTC",
    c: "mUvoqJxFIILMdfAW5iGSOW",
    S: "BUY",
    o: "LIMIT",
    f: "GTC",
    q: "1.00000000",
    p: "0.10264410",
    P: "0.00000000",
    F: "0.00000000",
    g: -1,
    C: "",
    x: "TRADE",
    X: "PARTIALLY_FILLED",
    r: "NONE",
    i: 4293153,
    l: "0.50000000",
    z: "0.50000000",
    L: "0.10264410",
    n: "0.00050000",
    N: "ETH",
    T: 1499405658657,
    t: 1,
    w: false,
    m: false,
    O: 1499405658657,
    Z: "0.05132205",
    Y: "0.05132205",
    Q: "0.00000000",
  };
  const parse = (Cls: typeof ccxt.proBinance) => {
    const parser = new Cls({ options: { defaultType: "spot" } });
    parser.setMarkets([{
      id: "ETHBTC",
      symbol: "ETH/BTC",
      base: "ETH",
      quote: "BTC",
      type: "spot",
      spot: true,
      precision: { amount: 0.0001, price: 0.000001 },
    }] as never);
    return JSON.parse(JSON.stringify(parser.parseWsOrder(report)));
  };
  const bundled = parse(ccxt.proBinance);
  assert.strictEqual(bundled.status, "open");
  assert.strictEqual(bundled.filled, 0.5);
  assert.deepStrictEqual(bundled, parse(ccxtPackage.pro.binance as typeof ccxt.proBinance));
});
