/**
 * rest-api.md "SIGNED Endpoint Examples" (Ed25519 Keys) and faqs/api_key_types.md: an
 * Ed25519 key signs the same payload as HMAC; the signature is base64 and case-sensitive.
 * ccxt signs with Ed25519 when its secret is a PEM private key.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { ccxt } from "../../supabase/functions/_shared/exchange/ccxt.ts";
import { createBinance } from "../../supabase/functions/_shared/exchange/binance.ts";
import { control, sanitize, withSim } from "./test_helpers.ts";

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

Deno.test({
  name: "Ed25519 API keys: ccxt's Ed25519 signatures are verified; another key's are not",
  ...sanitize,
  fn: () =>
    withSim(async (sim) => {
      const mine = keyPair();
      const created = await control<{ api_key: string; secret?: string }>(
        sim,
        "/__sim/accounts",
        { key_type: "Ed25519", public_key: mine.publicPem, balances: { USDT: "1000" } },
      );
      assert.equal(created.secret, undefined, "the simulator never holds the private key");
      const client = (secret: string) => {
        const ex = createBinance({
          endpoint: { environment: "live", baseUrl: sim.url },
          credentials: { apiKey: created.api_key, secret },
        });
        return ex;
      };
      const ex = client(mine.privatePem);
      await ex.loadMarkets();
      const bal = await ex.fetchBalance();
      assert.equal(bal.USDT.free, 1000);
      const order = await ex.createOrder("BTC/USDT", "market", "buy", 0.001);
      assert.equal(order.status, "closed");
      // Signed with a different Ed25519 key: -1022.
      const wrong = client(keyPair().privatePem);
      wrong.setMarketsFromExchange(ex);
      await assert.rejects(
        () => wrong.fetchBalance(),
        (e: Error) => e instanceof ccxt.AuthenticationError && /-1022/.test(e.message),
      );
    }),
});
