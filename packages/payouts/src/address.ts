import { decodeBase58Address, encodeBase58Address } from "@btt/shared/tron";

/**
 * Recipients are base58check TRON addresses, decoded without TronWeb (`@btt/shared/tron`'s
 * base58.ts, property-tested against TronWeb): enqueue validates up to a million recipients and
 * claim turns each into its 21 bytes, where TronWeb's `isAddress` (≈14 µs) would dominate.
 */
export { decodeBase58Address, encodeBase58Address };

export function isPayableAddress(input: unknown): input is string {
  return typeof input === "string" && decodeBase58Address(input) !== null;
}
