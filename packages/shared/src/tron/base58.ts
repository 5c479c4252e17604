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
  return decode(input, true);
}

/**
 * The 21 address bytes of an address already validated at the boundary, without recomputing its
 * checksum (two SHA-256): for hashing a million Merkle leaves. Null if it is not base58 of 0x41….
 */
export function base58AddressBytesUnchecked(input: string): Buffer | null {
  return decode(input, false);
}

function decode(input: string, verifyChecksum: boolean): Buffer | null {
  if (input.length !== 34 || input.charCodeAt(0) !== 84 /* T */) return null;
  const limbs = new Uint32Array(LIMBS); // little-endian, base 2^24: limb × 58 + 57 stays below 2^31
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    let carry = code < 128 ? (DIGIT[code] as number) : -1;
    if (carry < 0) return null;
    for (let j = 0; j < LIMBS; j++) {
      const v = (limbs[j] as number) * 58 + carry;
      limbs[j] = v & 0xffffff;
      carry = v >>> 24;
    }
    if (carry !== 0) return null;
  }
  const out = Buffer.allocUnsafe(DECODED_BYTES);
  for (let j = 0; j < LIMBS; j++) out.writeUIntBE(limbs[j] as number, DECODED_BYTES - 3 * (j + 1), 3);
  for (let k = 0; k < BODY_OFFSET; k++) if (out[k] !== 0) return null;
  const body = out.subarray(BODY_OFFSET, BODY_OFFSET + ADDRESS_BYTES);
  if (body[0] !== 0x41) return null;
  if (verifyChecksum) {
    const check = sha256(sha256(body));
    if (check.compare(out, BODY_OFFSET + ADDRESS_BYTES, DECODED_BYTES, 0, CHECKSUM_BYTES) !== 0) return null;
  }
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
