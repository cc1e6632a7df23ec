/**
 * Browser check: a page served from another origin than the functions uses supabase-js in
 * headless Chromium (Debian's, driven by playwright-core) to place, list and cancel an order.
 * Proves CORS, the preflight, the headers and the error bodies as a browser sees them.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { needsStack, newTrader, stackInfo, withSql } from "./helpers/stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
const pageDir = new URL("../clients/browser/", import.meta.url);

/** supabase-js's browser (UMD) build, from Deno's npm cache. */
function supabaseUmd(): string {
  const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
  for (const registry of Deno.readDirSync(`${denoDir}/npm`)) {
    const path =
      `${denoDir}/npm/${registry.name}/@supabase/supabase-js/2.119.1/dist/umd/supabase.js`;
    try {
      return Deno.readTextFileSync(path);
    } catch {
      // another registry folder
    }
  }
  throw new Error("supabase-js's browser build is not in Deno's npm cache");
}

Deno.test({
  name: "a page on another origin places, lists and cancels an order with supabase-js in Chromium",
  ...needsStack,
  ignore: needsStack.ignore || !hasChromium,
  async fn() {
    const info = stackInfo();
    const t = await newTrader();
    const vendor = supabaseUmd();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/vendor/supabase.js") {
        return new Response(vendor, { headers: { "content-type": "text/javascript" } });
      }
      const file = path === "/" ? "index.html" : path.slice(1);
      if (!["index.html", "app.js"].includes(file)) {
        return new Response("not found", { status: 404 });
      }
      return new Response(Deno.readTextFileSync(new URL(file, pageDir)), {
        headers: { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" },
      });
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage();
      const hash = new URLSearchParams({
        url: info.supabase_url,
        anon: info.anon_key,
        token: t.token,
      });
      await page.goto(`http://127.0.0.1:${server.addr.port}/#${hash}`, { timeout: 20_000 });
      // Runs in the page: a string, since this file is type-checked without the DOM library.
      await page.waitForFunction(
        `document.getElementById("status")?.textContent !== "starting"`,
        undefined,
        { timeout: 20_000 },
      );
      const text = async (id: string) => (await page.textContent(`#${id}`))?.trim();
      assert.equal(await text("status"), "done");
      const [orderId, status] = (await text("placed"))!.split(" ");
      assert.equal(status, "open");
      assert.equal(await text("open"), "1");
      assert.equal(await text("canceled"), "canceled");
      assert.equal(await text("error"), "VALIDATION_ERROR");
      await withSql(async (sql) => {
        const rows = await sql`select exchange_order_id, status from public.orders
                               where user_id = ${t.userId}`;
        assert.deepEqual(rows.map((r) => [r.exchange_order_id, r.status]), [[orderId, "canceled"]]);
      });
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
