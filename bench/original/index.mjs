// The seed's ccxt service (../../../shared/seed), compactly, for the benchmark only: JSON-RPC
// over stdin/stdout, one ccxt instance per API key, answers one line per request.
// Kept from the seed: the protocol, the per-key instance cache, defaultType spot,
// adjustForTimeDifference, ccxt's default rate limiter. Changed, because the simulator serves
// Binance Spot only: markets limited to spot and no currencies/margin requests (the seed's
// defaults would also call futures and sapi endpoints), and URLs pointed at BINANCE_API_URL.
import ccxt from "ccxt";
import * as readline from "node:readline";

const base = process.env.BINANCE_API_URL;
const exchanges = new Map();

function exchangeFor(apiKey, secret) {
  const key = `${apiKey}:${secret}`;
  if (!exchanges.has(key)) {
    const ex = new ccxt.binance({
      apiKey,
      secret,
      options: {
        defaultType: "spot",
        adjustForTimeDifference: true,
        fetchMarkets: { types: ["spot"] },
        fetchCurrencies: false,
        fetchMargins: false,
      },
    });
    if (base) {
      for (
        const [k, p] of Object.entries({
          public: "/api/v3",
          private: "/api/v3",
          v1: "/api/v1",
          sapi: "/sapi/v1",
        })
      ) {
        ex.urls.api[k] = base + p;
      }
    }
    exchanges.set(key, ex);
  }
  return exchanges.get(key);
}

async function handle(req) {
  try {
    const p = req.params;
    const ex = exchangeFor(p.apiKey, p.secret);
    switch (req.method) {
      case "createOrder":
        return {
          id: req.id,
          result: await ex.createOrder(p.symbol, p.type, p.side, p.amount, p.price),
        };
      case "fetchBalance":
        return { id: req.id, result: await ex.fetchBalance() };
      default:
        return { id: req.id, error: `Unknown method: ${req.method}` };
    }
  } catch (error) {
    return { id: req.id, error: error instanceof Error ? error.message : String(error) };
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", async (line) => {
  const res = await handle(JSON.parse(line));
  process.stdout.write(JSON.stringify(res) + "\n");
});
