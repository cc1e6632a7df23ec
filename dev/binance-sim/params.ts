/**
 * Request parameters as Binance reads them (rest-api.md "General Information on
 * Endpoints"): query string and form body together, the query string winning; decimals
 * in Binance's pattern with at most 8 decimals; parameters an endpoint does not read are
 * refused with -1104 (errors.md).
 */
import { err } from "./errors.ts";

export type Params = URLSearchParams;

/** Signed endpoints also read these (rest-api.md "SIGNED Endpoint security"). */
const SIGNED_PARAMS = ["timestamp", "recvWindow", "signature"];

export function decimalParam(p: Params, name: string, required = true): number | undefined {
  const raw = p.get(name);
  if (raw === null || raw === "") {
    if (required) throw err.mandatory(name);
    return undefined;
  }
  if (!/^([0-9]{1,20})(\.[0-9]{1,20})?$/.test(raw)) throw err.illegal(name);
  const decimals = (raw.split(".")[1] ?? "").replace(/0+$/, "").length;
  if (decimals > 8) throw err.precision(name);
  return Number(raw);
}

export function intParam(p: Params, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw err.illegal(name, "^[0-9]{1,20}$");
  return Number(raw);
}

/** errors.md -1104: every sent parameter must be one the endpoint reads. */
export function checkAllRead(p: Params, reads: readonly string[], signed: boolean) {
  const sent = new Set(p.keys());
  let read = 0;
  for (const name of sent) {
    if (reads.includes(name) || (signed && SIGNED_PARAMS.includes(name))) read++;
  }
  if (read < sent.size) throw err.unread(read, sent.size);
}
