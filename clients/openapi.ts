/**
 * `deno task openapi`: writes docs/openapi.json (OpenAPI 3.1) from the functions' zod
 * schemas: requests from _shared/schemas.ts (as inputs), responses from _shared/responses.ts.
 */
import { z } from "../supabase/functions/_shared/vendor/zod.js";
import { operations } from "../supabase/functions/_shared/ops/index.ts";
import { ERROR_CODES } from "../supabase/functions/_shared/errors.ts";
import { errorBody, responses } from "../supabase/functions/_shared/responses.ts";
import { formattedTypes, TYPES_PATH } from "./ts_types.ts";

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

const SUMMARIES: Record<string, string> = {
  "create-order": "Place a market or limit order",
  "cancel-order": "Cancel an order by id or client order id",
  "fetch-order": "Read an order and refresh its fills and position",
  "fetch-open-orders": "List open orders",
  "fetch-ticker": "Ticker of one symbol",
  "fetch-balance": "Non-zero balances",
  "fetch-my-trades": "The user's fills (new ones are recorded)",
  "fetch-markets": "Spot markets with precision and limits",
  "exchange-keys": "Save/rotate (POST), read (GET) or remove (DELETE) the user's Binance key",
  "sync-orders": "Settle pending and open orders",
  "fetch-orders":
    "The user's recorded orders, newest first, filtered, paginated (no Binance request)",
  "fetch-positions":
    "The user's open (default) or closed positions; unrealized PnL at the last price on request",
  "stream-fills": "Follow Binance's user data stream for a while (cron; service callers only)",
};

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const errorResponses = Object.fromEntries(
    [...new Set(Object.values(ERROR_CODES))].sort().map((status) => [
      String(status),
      {
        description: Object.entries(ERROR_CODES).filter(([, s]) => s === status).map(([c]) => c)
          .join(", "),
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );
  for (const [name, op] of Object.entries(operations).sort()) {
    const item: Record<string, unknown> = {};
    for (const [method, schema] of Object.entries(op.input)) {
      const body = json(schema as z.ZodType) as Record<string, unknown>;
      const base = {
        operationId: `${name.replace(/-(\w)/g, (_, c) => c.toUpperCase())}${
          method === "POST" ? "" : method[0] + method.slice(1).toLowerCase()
        }`,
        summary: SUMMARIES[name],
        description: "A service caller adds `user_id` (the user it acts for)." +
          (name === "create-order" ? " `Idempotency-Key` makes retries safe." : ""),
        responses: {
          "200": {
            description: "OK",
            content: {
              "application/json": { schema: json(responses[name as keyof typeof responses]) },
            },
          },
          ...errorResponses,
        },
      };
      if (method === "GET") {
        const props = (body.properties ?? {}) as Record<string, unknown>;
        item.get = {
          ...base,
          parameters: Object.entries(props).map(([k, v]) => ({
            name: k,
            in: "query",
            required: ((body.required ?? []) as string[]).includes(k),
            schema: v,
          })),
        };
      } else {
        item[method.toLowerCase()] = {
          ...base,
          ...(name === "create-order"
            ? {
              parameters: [{
                name: "Idempotency-Key",
                in: "header",
                required: false,
                schema: { type: "string", maxLength: 255 },
              }],
            }
            : {}),
          requestBody: { required: false, content: { "application/json": { schema: body } } },
        };
      }
    }
    paths[`/functions/v1/${name}`] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Binance Spot trading (Supabase Edge Functions)",
      version: "1.0.0",
      description: "Generated from the zod schemas by `deno task openapi`; do not edit.",
    },
    servers: [{
      url: "https://{project}.supabase.co",
      variables: { project: { default: "project-ref" } },
    }, {
      url: "http://127.0.0.1:54321",
    }],
    security: [{ userJwt: [] }, { serviceKey: [] }],
    components: {
      securitySchemes: {
        userJwt: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A signed-in user's access token",
        },
        serviceKey: {
          type: "http",
          scheme: "bearer",
          description: "The service-role key or a secret key; requires `user_id` in the request",
        },
      },
      schemas: { Error: json(errorBody) },
    },
    paths,
  };
}

if (import.meta.main) {
  const path = new URL("../docs/openapi.json", import.meta.url);
  await Deno.writeTextFile(path, JSON.stringify(buildOpenApi(), null, 2) + "\n");
  console.log(`wrote ${path.pathname}`);
  // The TypeScript client's own types, from the same schemas (formatted like the repo).
  await Deno.writeTextFile(TYPES_PATH, await formattedTypes());
  console.log(`wrote ${TYPES_PATH.pathname}`);
}
