/**
 * One account's execution reports, applied once and in order (the run's connection and
 * subscription handling is in follower.ts).
 *
 * - Reports are applied one at a time, in arrival order (a promise chain per account).
 * - A report whose execution id (`I`, user-data-stream.md "Order Update") was seen is a
 *   duplicate: skipped.
 * - For a fill, `z - l` (what the order had filled before it) must not exceed what is
 *   recorded for the order; when it does, an earlier fill has not arrived (reordered, or lost):
 *   the report is held until it comes, and after `gapWaitMs` the order is looked up over REST,
 *   which records every fill in execution order. Held reports REST covered are then stale.
 * - A report older than what is recorded (a NEW after its fills, a fill REST already stored)
 *   is skipped; anything else goes to trading.record_order, whose own guards make a report
 *   applied twice (two overlapping runs) harmless.
 */
import type { StreamAccount } from "../db.ts";
import type { FollowerDeps, RunStats } from "./types.ts";
import type { StreamEvent } from "./ws_session.ts";

const EPS = 1e-12;

const num = (v: unknown) => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};

interface OrderState {
  /** Quantity recorded as filled (database, REST or applied reports): the sequence point. */
  filled: number;
  symbol: string;
  client: string | null;
  exchangeId: string | null;
  open: boolean;
}

export class AccountStream {
  account: StreamAccount;
  readonly #deps: Pick<FollowerDeps, "record" | "reconcile" | "log">;
  readonly #stats: RunStats;
  readonly #gapWaitMs: number;
  readonly #orders = new Map<string, OrderState>();
  readonly #seen = new Set<string>();
  readonly #gaps = new Map<string, { events: StreamEvent[]; timer: number }>();
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    account: StreamAccount,
    deps: Pick<FollowerDeps, "record" | "reconcile" | "log">,
    stats: RunStats,
    gapWaitMs: number,
  ) {
    this.account = account;
    this.#deps = deps;
    this.#stats = stats;
    this.#gapWaitMs = gapWaitMs;
  }

  /** Takes in the database's view of the account's unsettled orders. */
  merge(account: StreamAccount) {
    this.account = account;
    for (const o of account.orders ?? []) {
      const known = this.#order(o.exchange_order_id, o.client_order_id);
      const state = known ?? {
        filled: 0,
        symbol: o.symbol,
        client: o.client_order_id,
        exchangeId: o.exchange_order_id,
        open: true,
      };
      state.filled = Math.max(state.filled, num(o.filled));
      state.exchangeId ??= o.exchange_order_id;
      state.open = true;
      if (!known) this.#orders.set(o.exchange_order_id ?? `client:${o.client_order_id}`, state);
      if (state.exchangeId && !this.#orders.has(state.exchangeId)) {
        this.#orders.set(state.exchangeId, state);
      }
      // Reports held for a fill that the database now has can go.
      if (state.exchangeId) this.#drain(state.exchangeId);
    }
  }

  /** Queues one execution report. */
  report(ev: StreamEvent) {
    this.#enqueue(() => this.#report(ev));
  }

  /** Queues a REST look-up of every open order (events may have been lost). */
  reconcileAll() {
    this.#enqueue(() => this.#reconcileAll());
  }

  /** Stops the gap timers; resolves when every queued report is applied. */
  async close() {
    this.#closed = true;
    for (const g of this.#gaps.values()) clearTimeout(g.timer);
    await this.#chain;
  }

  #order(exchangeId: string | null, client: string | null): OrderState | undefined {
    return (exchangeId ? this.#orders.get(exchangeId) : undefined) ??
      (client ? this.#orders.get(`client:${client}`) : undefined);
  }

  #enqueue(step: () => Promise<void>) {
    this.#chain = this.#chain.then(step).catch((e) => {
      this.#stats.errors++;
      this.#deps.log.warn("stream_apply_failed", {
        account_id: this.account.account.id,
        error: String(e).slice(0, 200),
      });
    });
  }

  async #report(ev: StreamEvent) {
    const execKey = `${ev.s}:${ev.I ?? `${ev.i}:${ev.x}:${ev.t}:${ev.z}`}`;
    if (this.#seen.has(execKey)) {
      this.#stats.duplicates++;
      return;
    }
    const exchangeId = String(ev.i);
    // On a cancel, `C` is the order's own client id (`c` is the cancel request's).
    const client = (typeof ev.C === "string" && ev.C) || (typeof ev.c === "string" ? ev.c : null);
    let state = this.#order(exchangeId, client);
    if (state && !this.#orders.has(exchangeId)) {
      state.exchangeId = exchangeId;
      this.#orders.set(exchangeId, state);
    }
    const known = state?.filled ?? 0;
    const z = num(ev.z);
    const isTrade = ev.x === "TRADE";
    const before = isTrade ? z - num(ev.l) : z;
    if (before > known + EPS) {
      this.#holdForGap(exchangeId, ev);
      return;
    }
    this.#seen.add(execKey);
    if (z < known - EPS || (isTrade && z <= known + EPS)) {
      // Older than what is recorded, or a fill recorded already (by REST or a duplicate).
      this.#stats.stale++;
      return;
    }
    const result = await this.#deps.record(this.account, ev);
    this.#stats.applied++;
    if (!state) {
      state = { filled: 0, symbol: String(ev.s), client, exchangeId, open: true };
      this.#orders.set(exchangeId, state);
    }
    state.filled = Math.max(state.filled, z, result.filled ?? 0);
    state.open = ev.X === "NEW" || ev.X === "PARTIALLY_FILLED";
    this.#drain(exchangeId);
  }

  #holdForGap(exchangeId: string, ev: StreamEvent) {
    let gap = this.#gaps.get(exchangeId);
    if (!gap) {
      this.#stats.gaps++;
      gap = { events: [], timer: this.#gapTimer(exchangeId, String(ev.s), this.#gapWaitMs) };
      this.#gaps.set(exchangeId, gap);
    }
    gap.events.push(ev);
  }

  #gapTimer(exchangeId: string, symbolId: string, ms: number): number {
    return setTimeout(() => this.#enqueue(() => this.#closeGap(exchangeId, symbolId)), ms);
  }

  /** Re-queues the held reports of an order, in cumulative order. */
  #drain(exchangeId: string) {
    const gap = this.#gaps.get(exchangeId);
    if (!gap) return;
    clearTimeout(gap.timer);
    this.#gaps.delete(exchangeId);
    const held = gap.events.sort((a, b) => num(a.z) - num(b.z));
    for (const ev of held) this.#enqueue(() => this.#report(ev));
  }

  /** The missing fill did not come: REST records the order with all its fills. */
  async #closeGap(exchangeId: string, symbolId: string) {
    const gap = this.#gaps.get(exchangeId);
    if (!gap) return;
    const state = this.#orders.get(exchangeId);
    let result: { filled: number | null };
    try {
      result = await this.#deps.reconcile(this.account, {
        exchange_order_id: exchangeId,
        client_order_id: state?.client ?? null,
        symbol: state?.symbol ?? symbolId,
      });
    } catch (e) {
      // Try again later (a back-off, Binance unavailable); sync-orders remains behind it.
      this.#failed(e);
      if (!this.#closed) gap.timer = this.#gapTimer(exchangeId, symbolId, 5 * this.#gapWaitMs);
      return;
    }
    this.#stats.reconciled_orders++;
    const s = state ?? { filled: 0, symbol: symbolId, client: null, exchangeId, open: true };
    s.filled = Math.max(s.filled, result.filled ?? 0);
    this.#orders.set(exchangeId, s);
    // Held reports REST covered are now stale; any beyond it wait again.
    this.#drain(exchangeId);
  }

  async #reconcileAll() {
    const done = new Set<OrderState>();
    for (const state of this.#orders.values()) {
      if (!state.open || done.has(state)) continue;
      done.add(state);
      try {
        const result = await this.#deps.reconcile(this.account, {
          exchange_order_id: state.exchangeId,
          client_order_id: state.client,
          symbol: state.symbol,
        });
        this.#stats.reconciled_orders++;
        state.filled = Math.max(state.filled, result.filled ?? 0);
        if (state.exchangeId) this.#drain(state.exchangeId);
      } catch (e) {
        this.#failed(e);
      }
    }
  }

  #failed(e: unknown) {
    this.#stats.errors++;
    this.#deps.log.warn("stream_reconcile_failed", {
      account_id: this.account.account.id,
      error: String(e).slice(0, 200),
    });
  }
}
