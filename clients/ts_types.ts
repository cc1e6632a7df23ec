/**
 * Generates clients/ts/types.ts, the TypeScript client's self-contained types, from the zod
 * schemas (requests: _shared/schemas.ts as the caller writes them; responses:
 * _shared/responses.ts as the functions answer). Run by `deno task openapi`; a test checks
 * that the committed file is current.
 */
import { z } from "../supabase/functions/_shared/vendor/zod.js";
import * as req from "../supabase/functions/_shared/schemas.ts";
import { errorBody, responses } from "../supabase/functions/_shared/responses.ts";
import { ERROR_CODES } from "../supabase/functions/_shared/errors.ts";

type Schema = Record<string, unknown>;

/** The request types, by exported name. */
const REQUESTS: Record<string, z.ZodType> = {
  CreateOrderInput: req.createOrderInput,
  CancelOrderInput: req.cancelOrderInput,
  FetchOrderInput: req.fetchOrderInput,
  FetchOpenOrdersInput: req.fetchOpenOrdersInput,
  FetchTickerInput: req.fetchTickerInput,
  FetchBalanceInput: req.fetchBalanceInput,
  FetchMyTradesInput: req.fetchMyTradesInput,
  FetchMarketsInput: req.fetchMarketsInput,
  FetchOrdersInput: req.fetchOrdersInput,
  FetchPositionsInput: req.fetchPositionsInput,
  SaveKeysInput: req.saveKeysInput,
  RemoveKeysInput: req.removeKeysInput,
  SyncOrdersInput: req.syncOrdersInput,
};

const RESPONSE_NAMES: Record<keyof typeof responses, string> = {
  "create-order": "CreateOrderResult",
  "cancel-order": "CancelOrderResult",
  "fetch-order": "FetchOrderResult",
  "fetch-open-orders": "FetchOpenOrdersResult",
  "fetch-ticker": "FetchTickerResult",
  "fetch-balance": "FetchBalanceResult",
  "fetch-my-trades": "FetchMyTradesResult",
  "fetch-markets": "FetchMarketsResult",
  "exchange-keys": "ExchangeKeysResult",
  "sync-orders": "SyncOrdersResult",
  "fetch-orders": "FetchOrdersResult",
  "fetch-positions": "FetchPositionsResult",
  "stream-fills": "StreamFillsResult",
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function doc(s: Schema, indent: string): string {
  const parts: string[] = [];
  if (typeof s.description === "string") parts.push(s.description);
  if (typeof s.pattern === "string") parts.push(`Pattern: \`${s.pattern}\``);
  if (parts.length === 0) return "";
  return `${indent}/** ${parts.join(". ").replaceAll("*/", "*\\/")} */\n`;
}

/** A JSON Schema (as zod writes it) as a TypeScript type expression. */
export function tsType(s: Schema, indent = ""): string {
  if (s.anyOf || s.oneOf) {
    const parts = ((s.anyOf ?? s.oneOf) as Schema[]).map((x) => tsType(x, indent))
      .flatMap((p) => p.includes("{") ? [p] : p.split(" | "));
    return [...new Set(parts)].join(" | ");
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.type)) {
    return (s.type as string[]).map((t) => tsType({ ...s, type: t }, indent)).join(" | ");
  }
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = tsType((s.items ?? {}) as Schema, indent);
      return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const inner = indent + "  ";
      const lines = Object.entries(props).map(([k, v]) =>
        `${doc(v, inner)}${inner}${IDENT.test(k) ? k : JSON.stringify(k)}${
          required.has(k) ? "" : "?"
        }: ${tsType(v, inner)};`
      );
      const extra = s.additionalProperties;
      if (extra && typeof extra === "object") {
        const value = Object.keys(extra).length ? tsType(extra as Schema, inner) : "unknown";
        if (lines.length === 0) return `Record<string, ${value}>`;
        lines.push(`${inner}[key: string]: unknown;`);
      }
      return lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "Record<string, never>";
    }
    default:
      return "unknown";
  }
}

function schemaOf(schema: z.ZodType, io: "input" | "output"): Schema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Schema;
}

export function buildTypes(): string {
  const out: string[] = [
    "// Generated from the functions' zod schemas by `deno task openapi` (clients/ts_types.ts).",
    "// Do not edit. Self-contained: no imports.",
    "",
    "/** Every error code the functions answer with. */",
    `export type ErrorCode = ${
      Object.keys(ERROR_CODES).map((c) => JSON.stringify(c)).join(" | ")
    };`,
    "",
    `export const ERROR_CODES: readonly ErrorCode[] = ${JSON.stringify(Object.keys(ERROR_CODES))};`,
    "",
    "/** Binance Spot's pattern for client order ids (and idempotency keys used as them). */",
    "export const CLIENT_ORDER_ID_PATTERN = /^[a-zA-Z0-9-_]{1,36}$/;",
    "",
    `export type ErrorBody = ${tsType(schemaOf(errorBody, "output"))};`,
  ];
  for (const [name, schema] of Object.entries(REQUESTS)) {
    out.push("", `export type ${name} = ${tsType(schemaOf(schema, "input"))};`);
  }
  for (const [fn, name] of Object.entries(RESPONSE_NAMES)) {
    const schema = responses[fn as keyof typeof responses] as z.ZodType;
    out.push(
      "",
      `/** Answer of ${fn}. */`,
      `export type ${name} = ${tsType(schemaOf(schema, "output"))};`,
    );
  }
  out.push(
    "",
    "/** An order as the functions return it. */",
    'export type OrderView = NonNullable<CreateOrderResult["order"]>;',
    "/** A position as the functions return it. */",
    'export type PositionView = NonNullable<CreateOrderResult["position"]>;',
    "/** A stored order as fetch-orders lists it. */",
    'export type HistoryOrder = FetchOrdersResult["orders"][number];',
    "/** A position as fetch-positions lists it. */",
    'export type HistoryPosition = FetchPositionsResult["positions"][number];',
    "/** A fill as fetch-my-trades (and fetch-orders with include_fills) return it. */",
    'export type TradeView = FetchMyTradesResult["trades"][number];',
    "/** A saved key's metadata. */",
    'export type AccountMetadata = Extract<ExchangeKeysResult, { accounts: unknown }>["accounts"][number];',
    "",
  );
  return out.join("\n");
}

export const TYPES_PATH = new URL("./ts/types.ts", import.meta.url);

/** buildTypes() as `deno fmt` lays it out with the repository's settings. */
export async function formattedTypes(): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ts", "-"],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(buildTypes()));
  await writer.close();
  const out = await fmt.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}
