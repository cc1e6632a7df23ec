import assert from "node:assert/strict";
import { loadConfig } from "../../supabase/functions/_shared/config.ts";
import { wsApiUrlFor } from "../../supabase/functions/_shared/ops/stream_fills.ts";

Deno.test("stream-fills connects to Binance's WebSocket API, the testnet's, or the configured one", () => {
  // web-socket-api.md "General API Information": the base endpoints.
  assert.equal(wsApiUrlFor("live", {}), "wss://ws-api.binance.com:443/ws-api/v3");
  assert.equal(wsApiUrlFor("testnet", {}), "wss://ws-api.testnet.binance.vision/ws-api/v3");
  assert.equal(
    wsApiUrlFor("live", { binanceApiUrl: "http://127.0.0.1:54329/" }),
    "ws://127.0.0.1:54329/ws-api/v3",
  );
  assert.equal(
    wsApiUrlFor("testnet", { binanceApiUrl: "https://sim.example" }),
    "wss://sim.example/ws-api/v3",
  );
  assert.equal(
    wsApiUrlFor("live", { binanceWsApiUrl: "wss://x/ws-api/v3", binanceApiUrl: "http://y" }),
    "wss://x/ws-api/v3",
  );
});

Deno.test("stream settings default to a 75 s run refreshed every 2 s, 1,000 accounts", () => {
  const base = { SUPABASE_URL: "http://h", SUPABASE_DB_URL: "postgres://x" };
  const env = (extra: Record<string, string>) => {
    const m = new Map(Object.entries({ ...base, ...extra }));
    return { get: (k: string) => m.get(k) };
  };
  const d = loadConfig(env({}));
  assert.equal(d.streamRunSeconds, 75);
  assert.equal(d.streamRefreshSeconds, 2);
  assert.equal(d.streamMaxAccounts, 1000);
  assert.equal(d.binanceWsApiUrl, undefined);
  const c = loadConfig(env({ STREAM_RUN_SECONDS: "100", BINANCE_WS_API_URL: "wss://w" }));
  assert.equal(c.streamRunSeconds, 100);
  assert.equal(c.binanceWsApiUrl, "wss://w");
  assert.throws(() => loadConfig(env({ STREAM_RUN_SECONDS: "soon" })), /STREAM_RUN_SECONDS/);
});
