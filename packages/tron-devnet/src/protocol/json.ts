import { toHexAddress } from "@btt/shared/tron";
import { hexToBase58Check } from "./base58.js";

/**
 * java-tron's JSON conventions (TRON-API.md §1): with `visible=false` addresses are `41…` hex and
 * every bytes field is hex; with `visible=true` addresses are base58 and "name" fields are UTF-8.
 * int64 values are kept as bigint inside the devnet and printed as exact JSON numbers (or strings
 * with `int64_as_string`), which plain JSON.stringify cannot do.
 */

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json | undefined };

export interface RenderOptions {
  visible: boolean;
  int64AsString?: boolean;
}

const BIGINT_MARK = "\u0000bigint:";

/** JSON text with bigint printed as a bare integer (or a string with int64AsString). */
export function stringifyJson(value: unknown, int64AsString = false): string {
  // Without a bigint (a broadcast reply) the replacer changes nothing and only costs time; with
  // one, JSON.stringify throws at once (the rendered objects carry their int64s up front).
  try {
    return JSON.stringify(value) ?? "null";
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "bigint" ? (int64AsString ? v.toString() : `${BIGINT_MARK}${v}`) : v,
  );
  if (int64AsString || text === undefined) return text ?? "null";
  // The marker holds a control character, so it can only come from the replacer above.
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}

/**
 * JSON.parse that keeps integers of 16 or more digits exact: they are quoted before parsing and the
 * int64 readers accept decimal strings (java-tron's JsonFormat accepts quoted int64 too). Only
 * number tokens in value position are touched; hex strings never contain ':' or ','.
 */
export function parseJsonBody(text: string): unknown {
  const guarded = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"');
  return JSON.parse(guarded);
}

export function renderAddress(hex: string, visible: boolean): string {
  return visible ? hexToBase58Check(hex) : hex;
}

/** Address input in either form (java-tron decodes by the request's `visible`; we accept both). */
export function parseAddress(input: unknown): string {
  if (typeof input !== "string") throw new TypeError("address must be a string");
  return toHexAddress(input);
}

export function toBigInt(input: unknown, name: string): bigint {
  if (typeof input === "bigint") return input;
  if (typeof input === "number" && Number.isInteger(input)) return BigInt(input);
  if (typeof input === "string" && /^-?\d+$/.test(input)) return BigInt(input);
  if (input === undefined || input === null) return 0n;
  throw new TypeError(`${name} must be an integer`);
}

export function hexToBytes(input: unknown, name: string): Buffer {
  if (input === undefined || input === null || input === "") return Buffer.alloc(0);
  if (typeof input !== "string" || !/^(0x)?([0-9a-fA-F]{2})*$/.test(input)) {
    throw new TypeError(`${name} must be a hex string`);
  }
  return Buffer.from(input.startsWith("0x") ? input.slice(2) : input, "hex");
}
