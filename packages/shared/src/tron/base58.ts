import { hash } from "node:crypto";

/**
 * Base58check TRON addresses decoded and encoded without TronWeb: rounds, snapshots and payouts
 * handle a million addresses at a time, where TronWeb's `isAddress` (≈14 µs) would dominate.
 * tron.test.ts checks both directions against TronWeb on random addresses.
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

const ADDRESS_BYTES = 21;
const CHECKSUM_BYTES = 4;
/** 25 bytes decoded into nine 24-bit limbs (216 bits; the top two bytes must stay zero) */
const LIMBS = 9;
const DECODED_BYTES = LIMBS * 3;
const BODY_OFFSET = DECODED_BYTES - ADDRESS_BYTES - CHECKSUM_BYTES;

function sha256(bytes: Uint8Array): Buffer {
  return hash("sha256", bytes, "buffer");
}

/** The 21 address bytes (0x41 ‖ 20) of a base58check TRON address, or null if it is not one. */
export function decodeBase58Address(input: string): Buffer | null {
  return decode(input);
}

/**
 * The 21 address bytes of an address already validated at the boundary, without recomputing its
 * checksum (two SHA-256): for hashing a million Merkle leaves. Null if it is not base58 of 0x41….
 */
export function base58AddressBytesUnchecked(input: string): Buffer | null {
  const out = Buffer.allocUnsafe(ADDRESS_BYTES);
  return decodeBase58AddressInto(input, out, 0) ? out : null;
}

const scratchLimbs = new Uint32Array(LIMBS);

/**
 * Writes the 21 address bytes of an already-validated base58 address into `target` at `offset`
 * without allocating or checking the checksum; false (nothing trusted written) if it is not base58
 * of a 0x41… address.
 */
export function decodeBase58AddressInto(input: string, target: Uint8Array, offset: number): boolean {
  if (!digitsToLimbs(input, scratchLimbs)) return false;
  // limbs hold 25 bytes little-endian in 24-bit groups: byte k (0 = most significant of the 27)
  for (let k = 0; k < BODY_OFFSET; k += 1) if (limbByte(scratchLimbs, k) !== 0) return false;
  if (limbByte(scratchLimbs, BODY_OFFSET) !== 0x41) return false;
  for (let k = 0; k < ADDRESS_BYTES; k += 1) target[offset + k] = limbByte(scratchLimbs, BODY_OFFSET + k);
  return true;
}

function limbByte(limbs: Uint32Array, k: number): number {
  const fromEnd = DECODED_BYTES - 1 - k;
  return ((limbs[Math.floor(fromEnd / 3)] as number) >>> (8 * (fromEnd % 3))) & 0xff;
}

const LIMB = 2 ** 24;

/**
 * Base58 digits into little-endian 24-bit limbs, four digits at a time (58⁴ < 2²⁴, and a limb ×
 * 58⁴ + carry stays below 2⁵³, so plain doubles are exact): nine passes over the limbs, not 34.
 */
function digitsToLimbs(input: string, limbs: Uint32Array): boolean {
  if (input.length !== 34 || input.charCodeAt(0) !== 84 /* T */) return false;
  limbs.fill(0);
  for (let i = 0; i < input.length; ) {
    let group = 0;
    let scale = 1;
    for (const end = Math.min(i + 4, input.length); i < end; i += 1) {
      const code = input.charCodeAt(i);
      const digit = code < 128 ? (DIGIT[code] as number) : -1;
      if (digit < 0) return false;
      group = group * 58 + digit;
      scale *= 58;
    }
    let carry = group;
    for (let j = 0; j < LIMBS; j++) {
      const v = (limbs[j] as number) * scale + carry;
      carry = Math.floor(v / LIMB);
      limbs[j] = v - carry * LIMB;
    }
    if (carry !== 0) return false;
  }
  return true;
}

function decode(input: string): Buffer | null {
  const limbs = new Uint32Array(LIMBS);
  if (!digitsToLimbs(input, limbs)) return null;
  const out = Buffer.allocUnsafe(DECODED_BYTES);
  for (let j = 0; j < LIMBS; j++) out.writeUIntBE(limbs[j] as number, DECODED_BYTES - 3 * (j + 1), 3);
  for (let k = 0; k < BODY_OFFSET; k++) if (out[k] !== 0) return null;
  const body = out.subarray(BODY_OFFSET, BODY_OFFSET + ADDRESS_BYTES);
  if (body[0] !== 0x41) return null;
  const check = sha256(sha256(body));
  if (check.compare(out, BODY_OFFSET + ADDRESS_BYTES, DECODED_BYTES, 0, CHECKSUM_BYTES) !== 0) return null;
  return Buffer.from(body);
}

/** base58check of 21 address bytes. */
export function encodeBase58Address(bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES || bytes[0] !== 0x41) throw new RangeError("not 21 TRON address bytes");
  const data = Buffer.concat([bytes, sha256(sha256(bytes)).subarray(0, CHECKSUM_BYTES)]);
  let value = BigInt(`0x${data.toString("hex")}`);
  let out = "";
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  return out;
}
