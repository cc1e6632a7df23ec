/**
 * rest-api.md "LIMITS": request weight per minute is counted per IP (-1003, 429, then a
 * 418 ban after repeated 429s, with Retry-After); new orders are counted per account in
 * fixed 10 s and UTC-day windows (-1015). faqs/order_count_decrement.md: every accepted
 * order adds one, an order's first fill takes one off (never below zero), cancels and
 * expiries change nothing.
 */
import { BinanceError } from "./errors.ts";
import type { Account } from "./exchange.ts";

export interface LimitConfig {
  weightPerMinute: number;
  ordersPer10s: number;
  ordersPerDay: number;
  /** 429s answered in one minute before the IP is banned (418). */
  banAfter429s: number;
  banSeconds: number;
}

export const DEFAULT_LIMITS: LimitConfig = {
  weightPerMinute: 6000,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
  banAfter429s: 5,
  banSeconds: 120,
};

interface WeightWindow {
  start: number;
  used: number;
  rejected: number;
}

interface OrderWindows {
  start10s: number;
  n10s: number;
  day: number;
  nDay: number;
}

type Verdict = { error?: BinanceError; retryAfter?: number };

const DAY = 86_400_000;

export class RateLimits {
  config: LimitConfig = { ...DEFAULT_LIMITS };
  #weight = new Map<string, WeightWindow>();
  #bannedUntil = new Map<string, number>();
  #orders = new Map<number, OrderWindows>();

  resetWindows() {
    this.#weight.clear();
    this.#bannedUntil.clear();
    this.#orders.clear();
  }

  #window(ip: string, now: number): WeightWindow {
    let w = this.#weight.get(ip);
    if (!w || now - w.start >= 60_000) {
      w = { start: now - (now % 60_000), used: 0, rejected: 0 };
      this.#weight.set(ip, w);
    }
    return w;
  }

  weightHeaders(ip: string, now = Date.now()): Record<string, string> {
    const used = String(this.#window(ip, now).used);
    return { "x-mbx-used-weight-1m": used, "x-mbx-used-weight": used };
  }

  /** Counts a request's weight for its IP, or says why it is refused. */
  admitRequest(ip: string, weight: number, now = Date.now()): Verdict {
    const until = this.#bannedUntil.get(ip) ?? 0;
    if (now < until) {
      return { error: banned(ip, until), retryAfter: Math.ceil((until - now) / 1000) };
    }
    const w = this.#window(ip, now);
    if (w.used + weight > this.config.weightPerMinute) {
      w.rejected++;
      if (w.rejected > this.config.banAfter429s) {
        this.#bannedUntil.set(ip, now + this.config.banSeconds * 1000);
      }
      return {
        error: tooMuchWeight(ip, this.config.weightPerMinute),
        retryAfter: Math.ceil((w.start + 60_000 - now) / 1000),
      };
    }
    w.used += weight;
    return {};
  }

  #orderWindows(account: Account, now: number): OrderWindows {
    let w = this.#orders.get(account.uid);
    if (!w) {
      w = { start10s: 0, n10s: 0, day: 0, nDay: 0 };
      this.#orders.set(account.uid, w);
    }
    if (now - w.start10s >= 10_000) Object.assign(w, { start10s: now - (now % 10_000), n10s: 0 });
    if (now - w.day >= DAY) Object.assign(w, { day: now - (now % DAY), nDay: 0 });
    return w;
  }

  /** Takes one new order into the account's counts, or refuses it (-1015). */
  admitOrder(account: Account, now = Date.now()): Verdict {
    const w = this.#orderWindows(account, now);
    if (w.n10s >= this.config.ordersPer10s) {
      return {
        error: tooManyOrders(this.config.ordersPer10s, "10 SECOND"),
        retryAfter: Math.ceil((w.start10s + 10_000 - now) / 1000),
      };
    }
    if (w.nDay >= this.config.ordersPerDay) {
      return {
        error: tooManyOrders(this.config.ordersPerDay, "1 DAY"),
        retryAfter: Math.ceil((w.day + DAY - now) / 1000),
      };
    }
    w.n10s++;
    w.nDay++;
    return {};
  }

  /** An order that was counted but not accepted (rejected by the engine). */
  uncount(account: Account) {
    this.firstFill(account);
  }

  /** faqs/order_count_decrement.md: a first fill lowers the count of every interval. */
  firstFill(account: Account, now = Date.now()) {
    const w = this.#orderWindows(account, now);
    w.n10s = Math.max(0, w.n10s - 1);
    w.nDay = Math.max(0, w.nDay - 1);
  }

  orderHeaders(account: Account, now = Date.now()): Record<string, string> {
    const w = this.#orderWindows(account, now);
    return { "x-mbx-order-count-10s": String(w.n10s), "x-mbx-order-count-1d": String(w.nDay) };
  }

  /** rest-api.md "Query Unfilled Order Count". */
  unfilledCounts(account: Account, now = Date.now()) {
    const w = this.#orderWindows(account, now);
    return [
      {
        rateLimitType: "ORDERS",
        interval: "SECOND",
        intervalNum: 10,
        limit: this.config.ordersPer10s,
        count: w.n10s,
      },
      {
        rateLimitType: "ORDERS",
        interval: "DAY",
        intervalNum: 1,
        limit: this.config.ordersPerDay,
        count: w.nDay,
      },
    ];
  }

  rateLimitsJson() {
    return [
      {
        rateLimitType: "REQUEST_WEIGHT",
        interval: "MINUTE",
        intervalNum: 1,
        limit: this.config.weightPerMinute,
      },
      {
        rateLimitType: "ORDERS",
        interval: "SECOND",
        intervalNum: 10,
        limit: this.config.ordersPer10s,
      },
      { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: this.config.ordersPerDay },
      { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
    ];
  }
}

/** errors.md -1003: over the IP's request weight of the minute. */
export const tooMuchWeight = (ip: string, limit: number) =>
  new BinanceError(
    429,
    -1003,
    `Too much request weight used; current limit of IP(${ip}) is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
  );

/** errors.md -1003: the IP ban that follows repeated 429s. */
export const banned = (_ip: string, until: number) =>
  new BinanceError(
    418,
    -1003,
    `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
  );

/** errors.md -1015: the account's unfilled order count is full. */
const tooManyOrders = (limit: number, interval: string) =>
  new BinanceError(
    429,
    -1015,
    `Too many new orders; current limit is ${limit} orders per ${interval}.`,
  );
