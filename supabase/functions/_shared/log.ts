/**
 * JSON log lines, one object per line on stdout. Every string that goes out is passed
 * through `redact`, so a signature, a Binance key or secret, or a bearer token that slipped
 * into an error message never reaches the logs.
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const PATTERNS: [RegExp, string][] = [
  // HMAC signatures in query strings or bodies.
  [/(signature=)[^&\s"']+/gi, "$1[redacted]"],
  // API keys in Binance's header or in key=value form.
  [/(x-mbx-apikey["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, "$1[redacted]"],
  [/((?:api_?key|secret|apikey|password|token)["']?\s*[:=]\s*["']?)[^\s"',}&]+/gi, "$1[redacted]"],
  // Bearer tokens and JWTs anywhere.
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]"],
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "[redacted-jwt]"],
  // Database URLs with passwords.
  [/(postgres(?:ql)?:\/\/[^:\s/]+:)[^@\s]+@/gi, "$1[redacted]@"],
];

/**
 * Matches wherever any of PATTERNS could: each pattern needs one of these words (any case).
 * Most logged strings (ids, names, codes) have none, and one test is cheaper than six
 * replacements, and the request log line is written for every request.
 */
const MAY_HOLD_SECRET = /signature=|api_?key|secret|password|token|bearer|eyj|postgres/i;

/** Removes secrets from a string. Known secret values are replaced wherever they appear. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) out = out.split(secret).join("[redacted]");
  }
  if (!MAY_HOLD_SECRET.test(out)) return out;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_NAME = /secret|password|signature|api_?key|token|authorization/i;
/** Field names seen so far and whether they name a secret (bounded: names come from code). */
const secretNames = new Map<string, boolean>();

function isSecretName(key: string): boolean {
  let secret = secretNames.get(key);
  if (secret === undefined) {
    secret = SECRET_NAME.test(key);
    if (secretNames.size < 512) secretNames.set(key, secret);
  }
  return secret;
}

function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  // No prototype: a field named `__proto__` stays a field.
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretName(k) ? "[redacted]" : redactValue(v, depth + 1);
  }
  return out;
}

export type LogSink = (line: string) => void;

export function jsonLogger(sink: LogSink = (line) => console.log(line), base: LogFields = {}) {
  const write = (level: string, event: string, fields: LogFields = {}) => {
    const entry = { time: new Date().toISOString(), level, event, ...base, ...fields };
    sink(JSON.stringify(redactValue(entry)));
  };
  const logger: Logger = {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
  return logger;
}

/** A short description of an error for logs: class, code and redacted message, no stack. */
export function describeError(err: unknown): LogFields {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return {
      error_class: err.constructor?.name ?? err.name,
      error_message: redact(err.message).slice(0, 500),
      ...(cause instanceof Error
        ? {
          cause_class: cause.constructor?.name ?? cause.name,
          cause_message: redact(cause.message).slice(0, 500),
        }
        : {}),
    };
  }
  return { error_message: redact(String(err)).slice(0, 200) };
}
