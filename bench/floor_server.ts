/**
 * The least that any function of this design costs on this machine (bench/main.ts,
 * architectureFloor): an HTTP server with the functions' settings and none of their work.
 *
 *   POST /http  reads the body and answers FLOOR_PAYLOAD (a create-order answer) as the
 *               functions answer small bodies (uncompressed, no-transform).
 *   POST /sql   the same, after two round trips to Postgres through postgres.js configured as
 *               the product's db.ts (simple protocol, literals, fast writes, exact-number jsonb
 *               parsing), each sending the payload as a jsonb literal and reading it back:
 *               create-order's two calls with their bytes on the wire, less Postgres's work.
 *
 * Env: PORT, FLOOR_DB_URL, FLOOR_PAYLOAD. Prints `{"url": ...}` once listening. Loopback only.
 */
import postgres from "postgres";
import { sqlLiteral } from "../supabase/functions/_shared/db_driver.ts";
import { EXACT_JSON } from "../supabase/functions/_shared/db.ts";

const payload = Deno.env.get("FLOOR_PAYLOAD") ?? "{}";
const statement = `select ${sqlLiteral(JSON.parse(payload), "jsonb")} as r`;
const sql = postgres(Deno.env.get("FLOOR_DB_URL")!, {
  prepare: false,
  fetch_types: false,
  max: 4,
  onnotice: () => {},
  types: { exactJson: EXACT_JSON },
});
await sql.unsafe(statement);

const headers = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store, no-transform",
};

const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 0), onListen: () => {} },
  async (req) => {
    const body = await req.arrayBuffer();
    JSON.parse(new TextDecoder().decode(body));
    let answer: unknown = null;
    if (new URL(req.url).pathname === "/sql") {
      answer = (await sql.unsafe(statement))[0].r;
      answer = (await sql.unsafe(statement))[0].r;
    }
    return new Response(answer === null ? payload : JSON.stringify(answer), { headers });
  },
);
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}` }));
