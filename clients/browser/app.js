// Signs in with the token the page is handed (URL fragment), then places, lists and cancels
// an order through supabase-js `functions.invoke`, from another origin than the functions.
const params = new URLSearchParams(location.hash.slice(1));
const client = globalThis.supabase.createClient(params.get("url"), params.get("anon"), {
  global: { headers: { Authorization: `Bearer ${params.get("token")}` } },
  auth: { persistSession: false, autoRefreshToken: false },
});
const show = (id, text) => (document.getElementById(id).textContent = text);

async function errorCode(error) {
  try {
    return (await error.context.json()).error.code;
  } catch {
    return String(error);
  }
}

try {
  const placed = await client.functions.invoke("create-order", {
    body: { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "10000" },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (placed.error) throw new Error(await errorCode(placed.error));
  show("placed", `${placed.data.order.id} ${placed.data.order.status}`);

  const open = await client.functions.invoke("fetch-open-orders", { body: { symbol: "BTC/USDT" } });
  if (open.error) throw new Error(await errorCode(open.error));
  show("open", String(open.data.orders.length));

  const canceled = await client.functions.invoke("cancel-order", {
    body: { symbol: "BTC/USDT", id: placed.data.order.id },
  });
  if (canceled.error) throw new Error(await errorCode(canceled.error));
  show("canceled", canceled.data.order.status);

  const bad = await client.functions.invoke("create-order", {
    body: { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001" },
  });
  show("error", bad.error ? await errorCode(bad.error) : "none");
  show("status", "done");
} catch (e) {
  show("status", `failed: ${e.message}`);
}
