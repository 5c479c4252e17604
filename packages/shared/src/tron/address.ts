import { z } from "zod";
import { decodeBase58Address, encodeBase58Address } from "./base58.js";

/**
 * TRON addresses. Responses use base58 (`T…`); requests accept base58 or the 21-byte hex form
 * (`41…`), except inside signed Speed commands (base58 only). Base58check is decoded and encoded
 * here (base58.ts), checked against TronWeb's own utilities by tron.test.ts.
 */

export type Base58Address = string & { readonly __brand: "Base58Address" };

const HEX_ADDRESS_PATTERN = /^41[0-9a-fA-F]{40}$/;
const BASE58_ADDRESS_PATTERN = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/**
 * Addresses recently found valid. Validation is a pure function of the string, and the same
 * addresses come back all the time (a Speed payer's every command and verdict names it), while its
 * checksum costs two SHA-256; dropped wholesale when full.
 */
const VALID_CACHE_MAX = 100_000;
const knownValid = new Set<string>();

export function isBase58Address(input: unknown): input is Base58Address {
  if (typeof input !== "string") return false;
  if (knownValid.has(input)) return true;
  if (!BASE58_ADDRESS_PATTERN.test(input) || decodeBase58Address(input) === null) return false;
  if (knownValid.size >= VALID_CACHE_MAX) knownValid.clear();
  knownValid.add(input);
  return true;
}

export function isHexAddress(input: unknown): input is string {
  return typeof input === "string" && HEX_ADDRESS_PATTERN.test(input);
}

export function isTronAddress(input: unknown): boolean {
  return isBase58Address(input) || isHexAddress(input);
}

export class AddressError extends Error {
  constructor(input: unknown) {
    super(`${JSON.stringify(String(input).slice(0, 64))} is not a TRON address (base58 T… or hex 41…)`);
    this.name = "AddressError";
  }
}

/** Normalises base58 or hex input to base58; throws AddressError on anything else. */
export function toBase58Address(input: string): Base58Address {
  if (isBase58Address(input)) return input;
  if (isHexAddress(input)) return encodeBase58Address(Buffer.from(input, "hex")) as Base58Address;
  throw new AddressError(input);
}

/** Normalises base58 or hex input to lower-case 21-byte hex (`41…`). */
export function toHexAddress(input: string): string {
  if (isHexAddress(input)) return input.toLowerCase();
  const bytes = typeof input === "string" ? decodeBase58Address(input) : null;
  if (bytes) return bytes.toString("hex");
  throw new AddressError(input);
}

/** The 21 address bytes (0x41 prefix included): the Merkle leaf and sort order use these. */
export function addressToBytes(input: string): Buffer {
  const bytes = decodeBase58Address(input);
  if (bytes) return bytes;
  return Buffer.from(toHexAddress(input), "hex");
}

export function bytesToBase58Address(bytes: Uint8Array): Base58Address {
  if (bytes.length !== 21 || bytes[0] !== 0x41) throw new AddressError(Buffer.from(bytes).toString("hex"));
  return encodeBase58Address(bytes) as Base58Address;
}

/** Request field: base58 or hex in, base58 out. */
export const TronAddress = z
  .string()
  .refine(isTronAddress, { error: "must be a TRON address (base58 T… or hex 41…)" })
  .transform((value) => toBase58Address(value));

/** Signed-command field: base58 only, kept verbatim. */
export const StrictBase58Address = z
  .string()
  .refine((value): boolean => isBase58Address(value), { error: "must be a base58 TRON address (T…)" });
