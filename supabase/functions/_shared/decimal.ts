/**
 * Exact decimal arithmetic on plain decimal strings, for money checks where floats would
 * lie (0.1 + 0.2). Only what validation needs: parse, compare, multiply, step checks.
 */

/** A plain, non-negative decimal: digits, optionally a dot and more digits. No exponent. */
export const DECIMAL_RE = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

interface Dec {
  units: bigint;
  scale: number;
}

function parse(value: string): Dec {
  if (!DECIMAL_RE.test(value)) throw new Error(`not a decimal: ${value}`);
  const [int, frac = ""] = value.split(".");
  return { units: BigInt(int + frac), scale: frac.length };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [
    a.units * 10n ** BigInt(scale - a.scale),
    b.units * 10n ** BigInt(scale - b.scale),
    scale,
  ];
}

function format(units: bigint, scale: number): string {
  const s = units.toString().padStart(scale + 1, "0");
  if (scale === 0) return s;
  const out = `${s.slice(0, -scale)}.${s.slice(-scale)}`.replace(/0+$/, "").replace(/\.$/, "");
  return out;
}

/** -1, 0 or 1. */
export function compare(a: string, b: string): number {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function multiply(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return format(x.units * y.units, x.scale + y.scale);
}

/** Whether `value` is an exact multiple of `step` (a zero step allows anything). */
export function isMultipleOf(value: string, step: string): boolean {
  const [x, y] = align(parse(value), parse(step));
  return y === 0n || x % y === 0n;
}

export function isZero(value: string): boolean {
  return parse(value).units === 0n;
}

/**
 * A number as a plain decimal string without float noise. ccxt reports precision and limits
 * as JS numbers (1e-8): this turns them into "0.00000001".
 */
export function numberToDecimal(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new Error(`not a finite decimal: ${value}`);
  // 15 significant digits is exact for every IEEE double that came from a short decimal.
  const text = value.toPrecision(15);
  if (!text.includes("e")) return format(parse(text).units, parse(text).scale);
  const [mantissa, exp] = text.split("e");
  const m = parse(mantissa);
  const e = Number(exp);
  return e >= 0 ? format(m.units * 10n ** BigInt(e), m.scale) : format(m.units, m.scale - e);
}

/** Normalises a decimal string: no trailing zeros, no trailing dot. */
export function normalize(value: string): string {
  const d = parse(value);
  return format(d.units, d.scale);
}
