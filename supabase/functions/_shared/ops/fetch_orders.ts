/**
 * fetch-orders: the user's orders as recorded in Postgres (no Binance request), newest
 * first, filtered, one page at a time. Also the page cursor both history reads share.
 */
import { AppError } from "../errors.ts";
import { numberToDecimal } from "../decimal.ts";
import type { OrderRow } from "../db.ts";
import { defineOperation } from "../operation.ts";
import { type FetchOrdersInput, fetchOrdersInput } from "../schemas.ts";
import { dbCall, orderRowView } from "./common.ts";

export const DEFAULT_PAGE = 50;

/**
 * The opaque `next_cursor`: the sort time and id of the last row sent, base64url. Callers
 * pass it back unchanged; its content is not part of the contract.
 */
export function encodeCursor(at: string, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([at, id]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const b64 = cursor.replaceAll("-", "+").replaceAll("_", "/");
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
    );
    const [at, id] = JSON.parse(text);
    if (
      typeof at === "string" && !Number.isNaN(Date.parse(at)) && typeof id === "string" &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    ) {
      return { at, id };
    }
  } catch {
    // Falls through to the validation error.
  }
  throw new AppError("VALIDATION_ERROR", "cursor: must be a next_cursor from a previous answer", {
    field: "cursor",
  });
}

/** A numeric from jsonb: exact text already, or a small integer the parser kept a number. */
export function decimalOf(v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") return (v < 0 ? "-" : "") + numberToDecimal(Math.abs(v));
  return String(v);
}

/** A stored fill in the shape fetch-my-trades answers. */
function fillView(f: Record<string, unknown>) {
  return {
    id: (f.exchange_trade_id as string | null) ?? null,
    order_id: (f.exchange_order_id as string | null) ?? null,
    symbol: f.symbol as string,
    side: (f.side as string | null) ?? null,
    price: decimalOf(f.price),
    amount: decimalOf(f.amount),
    cost: decimalOf(f.cost),
    fee: f.fee_cost === null && f.fee_currency === null
      ? null
      : { cost: decimalOf(f.fee_cost), currency: (f.fee_currency as string | null) ?? null },
    taker_or_maker: (f.taker_or_maker as string | null) ?? null,
    timestamp: f.executed_at ? new Date(f.executed_at as string).toISOString() : null,
  };
}

export const fetchOrders = defineOperation({
  name: "fetch-orders",
  input: { GET: fetchOrdersInput, POST: fetchOrdersInput },
  async run(input: FetchOrdersInput, ctx) {
    const limit = input.limit ?? DEFAULT_PAGE;
    const cursor = input.cursor ? decodeCursor(input.cursor) : null;
    const rows = await dbCall(ctx, () =>
      ctx.deps.db.listOrders({
        userId: ctx.userId as string,
        label: input.account ?? null,
        symbol: input.symbol ?? null,
        status: input.status ?? null,
        side: input.side ?? null,
        since: input.since ?? null,
        until: input.until ?? null,
        cursorAt: cursor?.at ?? null,
        cursorId: cursor?.id ?? null,
        limit,
        withFills: input.include_fills === true,
      }));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      orders: page.map((row) => ({
        ...orderRowView(row as OrderRow),
        account: row.account as string,
        ...(input.include_fills
          ? { fills: ((row.fills ?? []) as Record<string, unknown>[]).map(fillView) }
          : {}),
      })),
      next_cursor: rows.length > limit && last
        ? encodeCursor(last.created_at as string, last.id as string)
        : null,
    };
  },
});
