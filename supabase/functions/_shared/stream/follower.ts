/**
 * One stream-fills run: follows the user data stream of every account with unsettled
 * orders until a deadline, and records each execution report through the same SQL as every
 * other path (trading.record_order: each fill once, whichever path saw it first).
 *
 * - One WebSocket API connection per Binance environment, one signed subscription per
 *   account on it (web-socket-api.md "User Data Stream subscription").
 * - Every refresh (a few seconds) the accounts are read again: accounts that became active
 *   are subscribed, and the run renews its lease on the accounts it listens to
 *   (trading.stream_cover). An account whose lease had lapsed (no run listened for a while:
 *   first run, a crashed run, a dropped connection) has its open orders looked up once over
 *   REST, for fills no stream delivered. A run that overlaps the previous one costs nothing.
 * - Reports of one account are applied one at a time, in order. Duplicates (same execution
 *   id) are skipped. A report whose order has a fill not recorded yet (cumulative quantity
 *   minus this fill above what is recorded) waits for the missing one; when it does not come
 *   within a second, the order is looked up over REST, which records every fill in order.
 * - `eventStreamTerminated` ends that account's subscription only; it is subscribed again
 *   once, and an account whose key Binance refuses is left to sync-orders for this run.
 */
import type { StreamAccount } from "../db.ts";
import type { StreamEvent } from "./ws_session.ts";
import { WsApiError, WsSession } from "./ws_session.ts";

/** What a run needs from the rest of the product (database, REST, parsing, logs). */
export interface FollowerDeps {
  accounts(): Promise<StreamAccount[]>;
  cover(accountIds: string[], until: Date): Promise<string[]>;
  /** Records one report: the unified order and, for a fill, its trade. Returns fills recorded. */
  record(account: StreamAccount, report: StreamEvent): Promise<{ filled: number | null }>;
  /** Looks an order up over REST and records it with its fills; returns its filled quantity. */
  reconcile(
    account: StreamAccount,
    order: { exchange_order_id: string | null; client_order_id: string | null; symbol: string },
  ): Promise<{ filled: number | null }>;
  /** Records an IP-level limit (429/418) so that every path backs off (DESIGN.md). */
  backoff(environment: string, seconds: number, reason: string): Promise<void>;
  wsUrl(environment: string): string;
  log: {
    info(e: string, f?: Record<string, unknown>): void;
    warn(e: string, f?: Record<string, unknown>): void;
  };
  now(): number;
  webSocket?: (url: string) => WebSocket;
}

export interface FollowerOptions {
  refreshMs: number;
  /** How long a report may wait for a missing earlier fill before a REST look-up. */
  gapWaitMs?: number;
  requestTimeoutMs?: number;
}

export interface RunStats {
  accounts: number;
  subscribed: number;
  subscribe_refused: number;
  terminated: number;
  connections: number;
  reconnects: number;
  events: number;
  reports: number;
  applied: number;
  duplicates: number;
  stale: number;
  gaps: number;
  reconciled_orders: number;
  errors: number;
}

const EPS = 1e-12;
const AUTH_CODES = new Set([-2014, -2015, -1022, -1002]);

interface OrderState {
  filled: number;
  symbol: string;
  client: string | null;
  exchangeId: string | null;
  open: boolean;
}

interface Followed {
  account: StreamAccount;
  keyId: string;
  status: "new" | "subscribing" | "subscribed" | "ended";
  conn?: Conn;
  subId?: number;
  terminations: number;
  /** Events may have been lost (new to streaming, reconnect): look open orders up once. */
  needsReconcile: boolean;
  orders: Map<string, OrderState>;
  seen: Set<string>;
  gaps: Map<string, { events: StreamEvent[]; timer: number }>;
  chain: Promise<void>;
}

interface Conn {
  environment: string;
  session: WsSession;
  subs: Map<number, Followed>;
}

const num = (v: unknown) => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};

export class Follower {
  readonly #deps: FollowerDeps;
  readonly #opts: Required<FollowerOptions>;
  readonly #followed = new Map<string, Followed>();
  readonly #conns = new Map<string, Conn>();
  readonly #connecting = new Map<string, Promise<Conn | undefined>>();
  #wake?: () => void;
  #stopped = false;
  /** Per environment: no new connection or subscription before this time (failures, limits). */
  readonly #holdUntil = new Map<string, number>();
  readonly #connectFailures = new Map<string, number>();
  readonly stats: RunStats = {
    accounts: 0,
    subscribed: 0,
    subscribe_refused: 0,
    terminated: 0,
    connections: 0,
    reconnects: 0,
    events: 0,
    reports: 0,
    applied: 0,
    duplicates: 0,
    stale: 0,
    gaps: 0,
    reconciled_orders: 0,
    errors: 0,
  };

  constructor(deps: FollowerDeps, opts: FollowerOptions) {
    this.#deps = deps;
    this.#opts = { gapWaitMs: 1000, requestTimeoutMs: 10_000, ...opts };
  }

  /** Follows until `deadline` (ms since the epoch); resolves with what happened. */
  async run(deadline: number): Promise<RunStats> {
    try {
      while (!this.#stopped && this.#deps.now() < deadline) {
        await this.#refresh(deadline).catch((e) => {
          this.stats.errors++;
          this.#deps.log.warn("stream_refresh_failed", { error: String(e).slice(0, 200) });
        });
        const wait = Math.min(this.#opts.refreshMs, deadline - this.#deps.now());
        if (wait > 0) await this.#sleep(wait);
      }
    } finally {
      this.#stopped = true;
      for (const conn of this.#conns.values()) conn.session.close();
      this.#conns.clear();
      for (const f of this.#followed.values()) {
        for (const g of f.gaps.values()) clearTimeout(g.timer);
      }
      // Reports already received are still applied.
      await Promise.all([...this.#followed.values()].map((f) => f.chain));
    }
    return this.stats;
  }

  stop() {
    this.#stopped = true;
    this.#wake?.();
  }

  #sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #refresh(deadline: number) {
    const list = await this.#deps.accounts();
    for (const account of list) this.#merge(account);
    this.stats.accounts = this.#followed.size;

    const byEnv = new Map<string, Followed[]>();
    const now = this.#deps.now();
    for (const f of this.#followed.values()) {
      if (f.status !== "new") continue;
      const env = f.account.account.environment;
      // Binance's limits are per IP: while any path recorded a back-off, nothing is sent.
      const backoff = f.account.backoff_until ? Date.parse(f.account.backoff_until) : 0;
      if (backoff > now || (this.#holdUntil.get(env) ?? 0) > now) continue;
      byEnv.set(env, [...(byEnv.get(env) ?? []), f]);
    }
    await Promise.all([...byEnv].map(async ([env, fs]) => {
      const conn = await this.#connection(env);
      if (!conn) return;
      await Promise.all(fs.map((f) => this.#subscribe(conn, f)));
    }));

    const listening = [...this.#followed.values()].filter((f) => f.status === "subscribed");
    if (listening.length === 0) return;
    // The lease outlives the next renewal by two refreshes, never this run's end by much.
    const until = Math.min(deadline, this.#deps.now() + 3 * this.#opts.refreshMs) + 1000;
    const lapsed = new Set(
      await this.#deps.cover(listening.map((f) => f.account.account.id), new Date(until)),
    );
    for (const f of listening) {
      if (f.needsReconcile || lapsed.has(f.account.account.id)) {
        f.needsReconcile = false;
        this.#enqueue(f, () => this.#reconcileAll(f));
      }
    }
  }

  /** Takes in the database's view of an account: credentials, unsettled orders. */
  #merge(account: StreamAccount) {
    const id = account.account.id;
    const keyId = account.credentials.api_key;
    let f = this.#followed.get(id);
    if (!f) {
      f = {
        account,
        keyId,
        status: "new",
        terminations: 0,
        needsReconcile: false,
        orders: new Map(),
        seen: new Set(),
        gaps: new Map(),
        chain: Promise.resolve(),
      };
      this.#followed.set(id, f);
    } else if (f.keyId !== keyId) {
      // A rotated key: follow the account with the new one.
      this.#unsubscribe(f);
      f.keyId = keyId;
      f.status = "new";
      f.terminations = 0;
      f.needsReconcile = true;
    }
    f.account = account;
    for (const o of account.orders ?? []) {
      const key = o.exchange_order_id ?? `client:${o.client_order_id}`;
      const known = this.#order(f, o.exchange_order_id, o.client_order_id);
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
      if (!known) f.orders.set(key, state);
      else if (o.exchange_order_id && !f.orders.has(o.exchange_order_id)) {
        f.orders.set(o.exchange_order_id, state);
      }
      // Reports held for a fill that the database now has can go.
      if (state.exchangeId) this.#drain(f, state.exchangeId);
    }
  }

  #order(f: Followed, exchangeId: string | null, client: string | null): OrderState | undefined {
    return (exchangeId ? f.orders.get(exchangeId) : undefined) ??
      (client ? f.orders.get(`client:${client}`) : undefined);
  }

  async #connection(env: string): Promise<Conn | undefined> {
    const existing = this.#conns.get(env);
    if (existing?.session.isOpen) return existing;
    let pending = this.#connecting.get(env);
    if (!pending) {
      pending = this.#connect(env).finally(() => this.#connecting.delete(env));
      this.#connecting.set(env, pending);
    }
    return await pending;
  }

  async #connect(env: string): Promise<Conn | undefined> {
    const conn: Conn = { environment: env, subs: new Map(), session: undefined as never };
    conn.session = new WsSession({
      url: this.#deps.wsUrl(env),
      timeoutMs: this.#opts.requestTimeoutMs,
      webSocket: this.#deps.webSocket,
      onEvent: (subId, event) => this.#onEvent(conn, subId, event),
      onClose: (reason) => this.#onClose(conn, reason),
    });
    try {
      await conn.session.open();
      this.#connectFailures.delete(env);
    } catch (e) {
      this.stats.errors++;
      // Exponential back-off between attempts (web-socket-api.md "Connection limits": 300
      // connection attempts per 5 minutes per IP, shared by every isolate).
      const failures = (this.#connectFailures.get(env) ?? 0) + 1;
      this.#connectFailures.set(env, failures);
      this.#holdUntil.set(env, this.#deps.now() + Math.min(30_000, 500 * 2 ** failures));
      this.#deps.log.warn("stream_connect_failed", { environment: env, error: String(e) });
      return undefined;
    }
    if (this.#stopped) {
      conn.session.close();
      return undefined;
    }
    this.stats.connections++;
    this.#conns.set(env, conn);
    return conn;
  }

  async #subscribe(conn: Conn, f: Followed) {
    f.status = "subscribing";
    try {
      const subId = await conn.session.subscribe(
        f.account.credentials.api_key,
        f.account.credentials.secret,
        this.#deps.now(),
      );
      if (!conn.session.isOpen) {
        f.status = "new";
        return;
      }
      f.status = "subscribed";
      f.conn = conn;
      f.subId = subId;
      conn.subs.set(subId, f);
      this.stats.subscribed++;
    } catch (e) {
      if (e instanceof WsApiError && (e.status === 429 || e.status === 418)) {
        // web-socket-api.md "IP limits": back off the whole environment, as REST does.
        f.status = "new";
        const env = conn.environment;
        const seconds = e.retryAt
          ? Math.max(1, Math.ceil((e.retryAt - this.#deps.now()) / 1000))
          : 30;
        this.#holdUntil.set(env, this.#deps.now() + seconds * 1000);
        await this.#deps.backoff(env, seconds, `${e.status} from the WebSocket API`).catch(
          () => {},
        );
        return;
      }
      if (e instanceof WsApiError && e.code !== undefined && AUTH_CODES.has(e.code)) {
        // The key is refused: nothing to follow with it in this run (sync-orders reports it).
        f.status = "ended";
        this.stats.subscribe_refused++;
        this.#deps.log.warn("stream_subscribe_refused", {
          account_id: f.account.account.id,
          code: e.code,
        });
        return;
      }
      f.status = "new";
      this.stats.errors++;
      this.#deps.log.warn("stream_subscribe_failed", {
        account_id: f.account.account.id,
        error: String(e).slice(0, 200),
      });
    }
  }

  #unsubscribe(f: Followed) {
    if (f.conn && f.subId !== undefined) {
      f.conn.subs.delete(f.subId);
      f.conn.session.request("userDataStream.unsubscribe", { subscriptionId: f.subId })
        .catch(() => {});
    }
    f.conn = undefined;
    f.subId = undefined;
  }

  #onClose(conn: Conn, reason: string) {
    if (this.#conns.get(conn.environment) === conn) this.#conns.delete(conn.environment);
    if (this.#stopped) return;
    this.stats.reconnects++;
    this.#deps.log.warn("stream_connection_lost", { environment: conn.environment, reason });
    // Events sent while no connection listened are lost: look the open orders up once after
    // subscribing again.
    for (const f of conn.subs.values()) {
      f.status = "new";
      f.conn = undefined;
      f.subId = undefined;
      f.needsReconcile = true;
    }
    conn.subs.clear();
    this.#wake?.();
  }

  #onEvent(conn: Conn, subId: number | undefined, event: StreamEvent) {
    this.stats.events++;
    if (event.e === "serverShutdown") {
      // web-socket-api.md "Server Shutdown": reconnect now rather than be cut off.
      conn.session.close();
      this.#onClose(conn, "serverShutdown");
      return;
    }
    const f = subId === undefined ? undefined : conn.subs.get(subId);
    if (!f) return;
    if (event.e === "eventStreamTerminated") {
      conn.subs.delete(subId!);
      f.conn = undefined;
      f.subId = undefined;
      f.terminations++;
      this.stats.terminated++;
      // Subscribed again once (and looked up, events may be lost); a key that is refused
      // then ends there.
      f.status = f.terminations > 1 ? "ended" : "new";
      f.needsReconcile = f.status === "new";
      this.#deps.log.warn("stream_terminated", { account_id: f.account.account.id });
      this.#wake?.();
      return;
    }
    if (event.e !== "executionReport") return; // balances: the database keeps none.
    this.stats.reports++;
    this.#enqueue(f, () => this.#report(f, event));
  }

  #enqueue(f: Followed, step: () => Promise<void>) {
    f.chain = f.chain.then(step).catch((e) => {
      this.stats.errors++;
      this.#deps.log.warn("stream_apply_failed", {
        account_id: f.account.account.id,
        error: String(e).slice(0, 200),
      });
    });
  }

  async #report(f: Followed, ev: StreamEvent) {
    const execKey = `${ev.s}:${ev.I ?? `${ev.i}:${ev.x}:${ev.t}:${ev.z}`}`;
    if (f.seen.has(execKey)) {
      this.stats.duplicates++;
      return;
    }
    const exchangeId = String(ev.i);
    const client = (typeof ev.C === "string" && ev.C) || (typeof ev.c === "string" ? ev.c : null);
    let state = this.#order(f, exchangeId, client);
    if (state && !f.orders.has(exchangeId)) {
      state.exchangeId = exchangeId;
      f.orders.set(exchangeId, state);
    }
    const known = state?.filled ?? 0;
    const z = num(ev.z);
    const isTrade = ev.x === "TRADE";
    const before = isTrade ? z - num(ev.l) : z;
    if (before > known + EPS) {
      this.#holdForGap(f, exchangeId, ev);
      return;
    }
    f.seen.add(execKey);
    if (z < known - EPS || (isTrade && z <= known + EPS)) {
      // Older than what is recorded, or a fill recorded already (by REST or a duplicate).
      this.stats.stale++;
      return;
    }
    const result = await this.#deps.record(f.account, ev);
    this.stats.applied++;
    if (!state) {
      state = { filled: 0, symbol: String(ev.s), client, exchangeId, open: true };
      f.orders.set(exchangeId, state);
    }
    state.filled = Math.max(state.filled, z, result.filled ?? 0);
    state.open = ev.X === "NEW" || ev.X === "PARTIALLY_FILLED";
    this.#drain(f, exchangeId);
  }

  #holdForGap(f: Followed, exchangeId: string, ev: StreamEvent) {
    let gap = f.gaps.get(exchangeId);
    if (!gap) {
      this.stats.gaps++;
      const timer = setTimeout(() => {
        this.#enqueue(f, () => this.#closeGap(f, exchangeId, String(ev.s)));
      }, this.#opts.gapWaitMs);
      gap = { events: [], timer };
      f.gaps.set(exchangeId, gap);
    }
    gap.events.push(ev);
  }

  /** Re-queues the held reports that now follow what is recorded, in cumulative order. */
  #drain(f: Followed, exchangeId: string) {
    const gap = f.gaps.get(exchangeId);
    if (!gap) return;
    clearTimeout(gap.timer);
    f.gaps.delete(exchangeId);
    const held = gap.events.sort((a, b) => num(a.z) - num(b.z));
    for (const ev of held) this.#enqueue(f, () => this.#report(f, ev));
  }

  /** The missing fill did not come: REST records the order with all its fills. */
  async #closeGap(f: Followed, exchangeId: string, symbolId: string) {
    const gap = f.gaps.get(exchangeId);
    if (!gap) return;
    const state = f.orders.get(exchangeId);
    let result: { filled: number | null };
    try {
      result = await this.#deps.reconcile(f.account, {
        exchange_order_id: exchangeId,
        client_order_id: state?.client ?? null,
        symbol: state?.symbol ?? symbolId,
      });
    } catch (e) {
      // Try again later (a back-off, Binance unavailable); sync-orders remains behind it.
      this.stats.errors++;
      this.#deps.log.warn("stream_reconcile_failed", {
        account_id: f.account.account.id,
        error: String(e).slice(0, 200),
      });
      if (!this.#stopped) {
        gap.timer = setTimeout(() => {
          this.#enqueue(f, () => this.#closeGap(f, exchangeId, symbolId));
        }, 5 * this.#opts.gapWaitMs);
      }
      return;
    }
    this.stats.reconciled_orders++;
    const s = state ?? { filled: 0, symbol: symbolId, client: null, exchangeId, open: true };
    s.filled = Math.max(s.filled, result.filled ?? 0);
    f.orders.set(exchangeId, s);
    // What REST did not cover yet waits again; the rest is now stale and skipped.
    this.#drain(f, exchangeId);
  }

  /** Looks every open order of the account up once (events may have been lost). */
  async #reconcileAll(f: Followed) {
    const seen = new Set<OrderState>();
    for (const state of f.orders.values()) {
      if (!state.open || seen.has(state)) continue;
      seen.add(state);
      try {
        const result = await this.#deps.reconcile(f.account, {
          exchange_order_id: state.exchangeId,
          client_order_id: state.client,
          symbol: state.symbol,
        });
        this.stats.reconciled_orders++;
        state.filled = Math.max(state.filled, result.filled ?? 0);
        if (state.exchangeId) this.#drain(f, state.exchangeId);
      } catch (e) {
        this.stats.errors++;
        this.#deps.log.warn("stream_reconcile_failed", {
          account_id: f.account.account.id,
          error: String(e).slice(0, 200),
        });
      }
    }
  }
}
