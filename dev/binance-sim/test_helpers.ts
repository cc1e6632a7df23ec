/** Shared set-up of the simulator fidelity tests: an in-process simulator and ccxt clients. */
import { createHmac } from "node:crypto";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { type Simulator, startSimulator } from "./server.ts";

export async function withSim(
  fn: (sim: Simulator) => Promise<void>,
  catalogue: "small" | "full" = "small",
) {
  const sim = await startSimulator({ port: 0, catalogue });
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

export async function control<T>(sim: Simulator, path: string, body?: unknown): Promise<T> {
  const res = await fetch(sim.url + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return await res.json() as T;
}

/** An account on the simulator and a product-configured ccxt client with markets loaded. */
export async function trader(sim: Simulator, balances: Record<string, string> = {
  USDT: "100000",
  BTC: "1",
}, permissions?: Record<string, boolean>) {
  const keys = await control<{ api_key: string; secret: string }>(sim, "/__sim/accounts", {
    balances,
    permissions,
  });
  const exchange = createBinance({
    endpoint: { environment: "live", baseUrl: sim.url },
    credentials: { apiKey: keys.api_key, secret: keys.secret },
  });
  await exchange.loadMarkets();
  return { ...keys, exchange };
}

export const sanitize = { sanitizeOps: false, sanitizeResources: false };

/** A signed request without ccxt (which adds parameters of its own), as rest-api.md shows. */
export async function signedFetch(
  sim: Simulator,
  keys: { api_key: string; secret: string },
  method: string,
  path: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = new URLSearchParams({ timestamp: String(Date.now()), ...params }).toString();
  const signature = createHmac("sha256", keys.secret).update(query).digest("hex");
  const res = await fetch(`${sim.url}${path}?${query}&signature=${signature}`, {
    method,
    headers: { "x-mbx-apikey": keys.api_key },
  });
  return { status: res.status, body: await res.json() };
}
