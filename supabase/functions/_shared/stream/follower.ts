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
 * - Each account's reports are applied once and in order by its AccountStream
 *   (account_stream.ts).
 * - `eventStreamTerminated` ends that account's subscription only; it is subscribed again
 *   once, and an account whose key Binance refuses is left to sync-orders for this run.
 */
import type { StreamAccount } from "../db.ts";
import { AccountStream } from "./account_stream.ts";
import { emptyStats, type FollowerDeps, type RunStats } from "./types.ts";
import type { StreamEvent } from "./ws_session.ts";
import { WsApiError, WsSession } from "./ws_session.ts";

export type { FollowerDeps, RunStats } from "./types.ts";

export interface FollowerOptions {
  refreshMs: number;
  /** How long a report may wait for a missing earlier fill before a REST look-up. */
  gapWaitMs?: number;
  requestTimeoutMs?: number;
}

/** Binance codes that mean the key itself is refused (errors.md). */
const AUTH_CODES = new Set([-2014, -2015, -1022, -1002]);

interface Followed {
  stream: AccountStream;
  keyId: string;
  status: "new" | "subscribing" | "subscribed" | "ended";
  conn?: Conn;
  subId?: number;
  terminations: number;
  /** Events may have been lost (new to streaming, reconnect): look open orders up once. */
  needsReconcile: boolean;
}

interface Conn {
  environment: string;
  session: WsSession;
  subs: Map<number, Followed>;
}

const accountOf = (f: Followed) => f.stream.account;

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
  readonly stats: RunStats = emptyStats();

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
      // Reports already received are still applied.
      await Promise.all([...this.#followed.values()].map((f) => f.stream.close()));
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
      const account = accountOf(f);
      const env = account.account.environment;
      // Binance's limits are per IP: while any path recorded a back-off, nothing is sent.
      const backoff = account.backoff_until ? Date.parse(account.backoff_until) : 0;
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
      await this.#deps.cover(listening.map((f) => accountOf(f).account.id), new Date(until)),
    );
    for (const f of listening) {
      if (f.needsReconcile || lapsed.has(accountOf(f).account.id)) {
        f.needsReconcile = false;
        f.stream.reconcileAll();
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
        stream: new AccountStream(account, this.#deps, this.stats, this.#opts.gapWaitMs),
        keyId,
        status: "new",
        terminations: 0,
        needsReconcile: false,
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
    f.stream.merge(account);
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
        accountOf(f).credentials.api_key,
        accountOf(f).credentials.secret,
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
        // The key is refused: the account is marked failed (its owner is told at the next
        // call, sync-orders skips it); nothing else is disturbed.
        f.status = "ended";
        this.stats.subscribe_refused++;
        await this.#deps.keyRefused(accountOf(f), e.code).catch(() => {});
        this.#deps.log.warn("stream_subscribe_refused", {
          account_id: accountOf(f).account.id,
          code: e.code,
        });
        return;
      }
      f.status = "new";
      this.stats.errors++;
      this.#deps.log.warn("stream_subscribe_failed", {
        account_id: accountOf(f).account.id,
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
      this.#deps.log.warn("stream_terminated", { account_id: accountOf(f).account.id });
      this.#wake?.();
      return;
    }
    if (event.e !== "executionReport") return; // balances: the database keeps none.
    this.stats.reports++;
    f.stream.report(event);
  }
}
