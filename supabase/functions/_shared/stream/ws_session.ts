/**
 * One connection to Binance's WebSocket API (web-socket-api.md): JSON requests matched to
 * their responses by id, user data stream events handed to a callback by subscription id,
 * and the signed `userDataStream.subscribe.signature`. Knows nothing of accounts or the
 * database. Pings are answered by the runtime's WebSocket (Binance pings every 20 s).
 */
import { createHmac } from "node:crypto";

/** Binance's answer to a refused request (`{status, error: {code, msg}}`). */
export class WsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    msg: string,
    /** web-socket-api.md "IP limits": when a 429/418 may be retried (ms since the epoch). */
    readonly retryAt?: number,
  ) {
    super(msg);
  }
}

export type StreamEvent = Record<string, unknown> & { e?: string };

export interface WsSessionOptions {
  url: string;
  /** Longest wait for the connection and for each answer. */
  timeoutMs: number;
  onEvent: (subscriptionId: number | undefined, event: StreamEvent) => void;
  /** Called once when the connection ends for any reason other than `close()`. */
  onClose: (reason: string) => void;
  /** A factory for tests and other runtimes; the global WebSocket by default. */
  webSocket?: (url: string) => WebSocket;
}

/** web-socket-api.md "SIGNED request example (HMAC)": params sorted by name, HMAC-SHA256 hex. */
export function signParams(
  params: Record<string, string | number>,
  secret: string,
): Record<string, string | number> {
  const payload = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join("&");
  return { ...params, signature: createHmac("sha256", secret).update(payload).digest("hex") };
}

export class WsSession {
  readonly #opts: WsSessionOptions;
  #socket?: WebSocket;
  #nextId = 1;
  readonly #waiting = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: number }
  >();
  #closedByUs = false;
  #ended = false;

  constructor(opts: WsSessionOptions) {
    this.#opts = opts;
  }

  /** Opens the connection; rejects when it cannot be opened in time. */
  open(): Promise<void> {
    const socket = this.#opts.webSocket?.(this.#opts.url) ?? new WebSocket(this.#opts.url);
    this.#socket = socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error("WebSocket API connection timed out"));
        this.close();
      }, this.#opts.timeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.onmessage = (m) => this.#frame(m.data);
      socket.onerror = () => {
        clearTimeout(timer);
        reject(new Error("WebSocket API connection failed"));
      };
      socket.onclose = (e) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket API connection closed (${e.code})`));
        this.#end(`closed ${e.code}`);
      };
    });
  }

  get isOpen(): boolean {
    return !this.#ended && this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Sends one request and resolves with its `result`; WsApiError when Binance refuses it. */
  request(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const socket = this.#socket;
    if (!socket || !this.isOpen) return Promise.reject(new Error("WebSocket API not connected"));
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no answer to ${method} in time`));
      }, this.#opts.timeoutMs);
      this.#waiting.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify(params ? { id, method, params } : { id, method }));
    });
  }

  /** Subscribes an account's user data stream; resolves with the subscription id. */
  async subscribe(apiKey: string, secret: string, now = Date.now()): Promise<number> {
    const params = signParams({ apiKey, timestamp: now, recvWindow: 5000 }, secret);
    const result = await this.request("userDataStream.subscribe.signature", params) as {
      subscriptionId?: number;
    };
    if (typeof result?.subscriptionId !== "number") {
      throw new WsApiError(500, undefined, "subscribe answered without a subscriptionId");
    }
    return result.subscriptionId;
  }

  /** Ends the connection without calling onClose. */
  close() {
    this.#closedByUs = true;
    this.#end("closed by us");
    try {
      this.#socket?.close(1000);
    } catch {
      // Not open yet, or already closed.
    }
  }

  #end(reason: string) {
    if (this.#ended) return;
    this.#ended = true;
    for (const [id, w] of this.#waiting) {
      clearTimeout(w.timer);
      w.reject(new Error("WebSocket API connection ended"));
      this.#waiting.delete(id);
    }
    if (!this.#closedByUs) this.#opts.onClose(reason);
  }

  #frame(data: unknown) {
    if (typeof data !== "string") return; // JSON sessions only: SBE frames are binary.
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.event && typeof msg.event === "object") {
      // web-socket-api.md "Event format": {subscriptionId?, event}.
      const sub = typeof msg.subscriptionId === "number" ? msg.subscriptionId : undefined;
      this.#opts.onEvent(sub, msg.event as StreamEvent);
      return;
    }
    const id = msg.id === undefined || msg.id === null ? undefined : String(msg.id);
    const waiting = id === undefined ? undefined : this.#waiting.get(id);
    if (!waiting || id === undefined) return;
    this.#waiting.delete(id);
    clearTimeout(waiting.timer);
    if (msg.status === 200) {
      waiting.resolve(msg.result);
    } else {
      const e = (msg.error ?? {}) as {
        code?: number;
        msg?: string;
        data?: { retryAfter?: number };
      };
      const retryAt = typeof e.data?.retryAfter === "number" ? e.data.retryAfter : undefined;
      waiting.reject(
        new WsApiError(
          Number(msg.status),
          e.code,
          String(e.msg ?? "refused").slice(0, 200),
          retryAt,
        ),
      );
    }
  }
}
