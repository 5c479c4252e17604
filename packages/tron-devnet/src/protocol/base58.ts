import { sha256 } from "./crypto.js";

/**
 * Base58Check of a `41…` hex address. TronWeb's conversion is pure JS with bigint arithmetic and
 * dominated /devnet/holdings on a million accounts; this is the textbook byte-wise algorithm over
 * 25 bytes (checked against TronWeb in the protocol tests).
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function hexToBase58Check(hex: string): string {
  const payload = Buffer.from(hex, "hex");
  const bytes = Buffer.concat([payload, sha256(sha256(payload)).subarray(0, 4)]);
  const digits: number[] = [0];
  for (const byte of bytes) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] as number) << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = "";
  for (const b of bytes) {
    if (b !== 0) break;
    out += "1";
  }
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i] as number];
  return out;
}
