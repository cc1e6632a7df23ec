/**
 * Test helpers over a running local stack (`STACK_FILE`, written by `deno task test` or
 * `deno task start`): fresh traders with their own auth user and funded simulator account,
 * a supabase-js client per trader, the simulator's control API and SQL access.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import type { StackInfo } from "../../dev/stack.ts";
import { userToken } from "../../dev/tokens.ts";

let cached: StackInfo | undefined;

export function stackInfo(): StackInfo {
  if (cached) return cached;
  const file = Deno.env.get("STACK_FILE") ??
    new URL("../../.local/stack.json", import.meta.url).pathname;
  try {
    cached = JSON.parse(Deno.readTextFileSync(file)) as StackInfo;
  } catch {
    throw new Error(
      `no running stack: ${file} is missing. Run the tests with \`deno task test\`, or start ` +
        "`deno task start` first.",
    );
  }
  return cached;
}

/** Deno.test options for tests that need the stack: they are skipped without one. */
export const needsStack = {
  ignore: !Deno.env.get("STACK_FILE"),
  sanitizeOps: false,
  sanitizeResources: false,
};

export type Sql = ReturnType<typeof postgres>;

/** A short-lived SQL connection (superuser) for assertions on what the database holds. */
export async function withSql<T>(f: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = postgres(stackInfo().db_url, { max: 2, prepare: false, onnotice: () => {} });
  try {
    return await f(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Calls the simulator's control API. */
export async function sim<T = unknown>(
  path: string,
  body?: unknown,
  method?: string,
): Promise<T> {
  const res = await fetch(stackInfo().binance_url + path, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export interface SimRequest {
  seq: number;
  method: string;
  path: string;
  weight: number;
  signed: boolean;
  api_key: string | null;
  status: number;
}

/** The simulator's requests made with this API key after `since` (a seq number). */
export async function simRequests(apiKey: string, since = 0): Promise<SimRequest[]> {
  const all = await sim<SimRequest[]>(`/__sim/requests?since=${since}`);
  return all.filter((r) => r.api_key === apiKey);
}

export async function lastSimSeq(): Promise<number> {
  const all = await sim<SimRequest[]>(`/__sim/requests`);
  return all.length ? all[all.length - 1].seq : 0;
}

export interface Trader {
  userId: string;
  email: string;
  token: string;
  apiKey: string;
  secret: string;
  client: SupabaseClient;
  /** Calls a function as this trader; resolves with status, body and headers, never throws. */
  call(name: string, body?: unknown, init?: CallInit): Promise<CallResult>;
}

export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  rawBody?: string;
}

export interface CallResult {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

/** A raw HTTP call to a function with any token (or none). */
export async function callFunction(
  name: string,
  token: string | undefined,
  body?: unknown,
  init: CallInit = {},
): Promise<CallResult> {
  const info = stackInfo();
  const url = new URL(`${info.functions_url}/${name}`);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const method = init.method ?? (body === undefined && init.rawBody === undefined ? "GET" : "POST");
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method !== "GET" ? { "content-type": "application/json" } : {}),
      ...init.headers,
    },
    body: init.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  assertNoLeak(text, `${method} ${name} response`);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the raw text is what the test asserts on.
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

let traderCount = 0;

/**
 * Every test trader's Binance key and secret start with these markers, so that any response
 * body or log line carrying a secret or a full key is found by a plain search.
 */
export const MARKER_KEY = "MARKERKEY";
export const MARKER_SECRET = "MARKERSECRET";
/** A full marker key (the last 4 characters alone, the key hint, are fine). */
export const LEAK_RE = new RegExp(
  `${MARKER_SECRET}|${MARKER_KEY}[0-9a-f]{8,}|signature=(?!\\[redacted\\])`,
  "i",
);

/** Fails when a response body leaks a secret, a full API key or a signature. */
export function assertNoLeak(text: string, where: string) {
  const m = text.match(LEAK_RE);
  if (m) throw new Error(`${where} leaks ${m[0].slice(0, 16)}…`);
}

function randomKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return prefix + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface NewTraderOptions {
  balances?: Record<string, string>;
  permissions?: Record<string, boolean>;
  /** Save the keys through exchange-keys (default true). */
  saveKeys?: boolean;
}

/** A new user with a funded simulator account whose keys are saved through exchange-keys. */
export async function newTrader(opts: NewTraderOptions = {}): Promise<Trader> {
  const info = stackInfo();
  const userId = crypto.randomUUID();
  const email = `trader${++traderCount}-${userId.slice(0, 8)}@example.com`;
  await withSql((sql) => sql`insert into auth.users (id, email) values (${userId}, ${email})`);
  const apiKey = randomKey(MARKER_KEY);
  const secret = randomKey(MARKER_SECRET);
  await sim("/__sim/accounts", {
    api_key: apiKey,
    secret,
    balances: opts.balances ?? { USDT: "100000", BTC: "2", ETH: "20" },
    permissions: opts.permissions,
  });
  const token = await userToken(info.jwt_secret, info.supabase_url, userId, { email });
  const client = createClient(info.supabase_url, info.anon_key, {
    global: { headers: { Authorization: `Bearer ${token}` } },
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const trader: Trader = {
    userId,
    email,
    token,
    apiKey,
    secret,
    client,
    call: (name, body, init) => callFunction(name, token, body, init),
  };
  if (opts.saveKeys !== false) {
    const saved = await trader.call("exchange-keys", { api_key: apiKey, secret });
    if (saved.status !== 200) {
      throw new Error(`saving keys failed: ${saved.status} ${JSON.stringify(saved.body)}`);
    }
  }
  return trader;
}
