/**
 * fetch-positions: the user's positions as recorded in Postgres, open ones by default, and on
 * request their unrealized PnL at Binance's last price. Prices: one ticker request per
 * distinct symbol of the page, shared by concurrent requests and reused for a short while.
 */
import type { PositionRow } from "../db.ts";
import type { BinanceEnvironment } from "../exchange/binance.ts";
import { classifyFailure } from "../exchange/outcome.ts";
import { defineOperation, type OperationContext } from "../operation.ts";
import { type FetchPositionsInput, fetchPositionsInput } from "../schemas.ts";
import { assertNoBackoff, dbCall, positionView, readExchange } from "./common.ts";
import { decimalOf, decodeCursor, DEFAULT_PAGE, encodeCursor } from "./fetch_orders.ts";

/** How long a last price is reused: "unrealized" is an estimate, not a fill. */
export const PRICE_TTL_MS = 2_000;

const prices = new Map<string, { last: string | null; at: number }>();
const inflight = new Map<string, Promise<string | null>>();

/** Binance's last price of a symbol: cached, or one ticker request shared by concurrent callers. */
function lastPrice(
  ctx: OperationContext,
  environment: BinanceEnvironment,
  symbol: string,
): Promise<string | null> {
  const key = `${environment}:${symbol}`;
  const hit = prices.get(key);
  if (hit && ctx.deps.now() - hit.at < PRICE_TTL_MS) return Promise.resolve(hit.last);
  const pending = inflight.get(key);
  if (pending) return pending;
  const p = (async () => {
    // rest-api.md "24hr ticker price change statistics": weight 2, paid by the caller whose
    // request misses the cache; the shared back-off applies.
    const state = await dbCall(ctx, () => ctx.deps.db.reserveWeight(ctx.userId, environment, 2));
    assertNoBackoff(ctx, environment, { sharedUntil: state.backoff_until });
    const exchange = await ctx.deps.exchanges.markets(environment).catch((err) => {
      throw classifyFailure(err, "read").error;
    });
    const t = await readExchange(
      ctx,
      { environment },
      exchange,
      () => exchange.fetchTicker(symbol),
    );
    const raw = (t.info as Record<string, string> | undefined)?.lastPrice;
    const last = raw ?? (typeof t.last === "number" ? decimalOf(t.last) : null);
    prices.set(key, { last, at: ctx.deps.now() });
    return last;
  })().finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

// Signed exact decimals, for (price - entry) * quantity.
interface Dec {
  units: bigint;
  scale: number;
}

function parseSigned(v: string): Dec {
  const neg = v.startsWith("-");
  const [int, frac = ""] = (neg ? v.slice(1) : v).split(".");
  const units = BigInt(int + frac);
  return { units: neg ? -units : units, scale: frac.length };
}

function formatSigned(d: Dec): string {
  const neg = d.units < 0n;
  const s = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  let out = d.scale === 0 ? s : `${s.slice(0, -d.scale)}.${s.slice(-d.scale)}`;
  if (d.scale > 0) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return out === "0" ? "0" : (neg ? "-" : "") + out;
}

/** (price - entry) * quantity, exactly. */
export function unrealizedPnl(price: string, entry: string, quantity: string): string {
  const p = parseSigned(price);
  const e = parseSigned(entry);
  const q = parseSigned(quantity);
  const scale = Math.max(p.scale, e.scale);
  const diff = p.units * 10n ** BigInt(scale - p.scale) - e.units * 10n ** BigInt(scale - e.scale);
  return formatSigned({ units: diff * q.units, scale: scale + q.scale });
}

export const fetchPositions = defineOperation({
  name: "fetch-positions",
  input: { GET: fetchPositionsInput, POST: fetchPositionsInput },
  async run(input: FetchPositionsInput, ctx) {
    const limit = input.limit ?? DEFAULT_PAGE;
    const cursor = input.cursor ? decodeCursor(input.cursor) : null;
    const status = input.status ?? "open";
    const rows = await dbCall(ctx, () =>
      ctx.deps.db.listPositions({
        userId: ctx.userId as string,
        label: input.account ?? null,
        status: status === "all" ? null : status,
        symbol: input.symbol ?? null,
        cursorAt: cursor?.at ?? null,
        cursorId: cursor?.id ?? null,
        limit,
      }));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const views = page.map((row) => ({
      ...positionView(row as PositionRow)!,
      account: row.account as string,
    }));

    if (input.include_unrealized_pnl) {
      // One price per (environment, symbol) of the open positions on this page.
      const wanted = new Map<string, Promise<string | null>>();
      page.forEach((row) => {
        if (row.status !== "open") return;
        const env = row.account_environment as BinanceEnvironment;
        const key = `${env}:${row.symbol}`;
        if (!wanted.has(key)) wanted.set(key, lastPrice(ctx, env, row.symbol as string));
      });
      // All settled together: one failure must not leave the others' rejections unhandled.
      const keys = [...wanted.keys()];
      const values = await Promise.all(wanted.values());
      const priced = new Map(keys.map((k, i) => [k, values[i]]));
      return {
        positions: views.map((v, i) => {
          if (v.status !== "open") return { ...v, current_price: null, unrealized_pnl: null };
          const price = priced.get(`${page[i].account_environment}:${v.symbol}`) ?? null;
          return {
            ...v,
            current_price: price,
            unrealized_pnl: price && v.entry_price && v.quantity
              ? unrealizedPnl(price, v.entry_price, v.quantity)
              : null,
          };
        }),
        next_cursor: nextCursor(rows.length > limit, last),
      };
    }
    return { positions: views, next_cursor: nextCursor(rows.length > limit, last) };
  },
});

function nextCursor(more: boolean, last: Record<string, unknown> | undefined): string | null {
  return more && last ? encodeCursor(last.sort_at as string, last.id as string) : null;
}
