import canonicalize from "canonicalize";
import createKeccakHash from "keccak";
import secp256k1 from "secp256k1";
import { type Base58Address, bytesToBase58Address } from "./address.js";

/**
 * TRON signed messages as Speed commands use them (API.md "Signature (fixed)": the RFC 8785
 * canonical JSON, keccak256 over the TRON message prefix, secp256k1, 65-byte r‖s‖v): hashing and
 * signer recovery, without TronWeb, so that worker threads load it cheaply. signature.ts adds
 * signing with TronWeb itself.
 */

export const TRON_MESSAGE_PREFIX = "\x19TRON Signed Message:\n";
const SIGNATURE_PATTERN = /^(0x)?[0-9a-fA-F]{130}$/;

/** RFC 8785 (JCS) canonical JSON of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/** keccak256 with the native binding (its prebuilt N-API addon; pure JS if that cannot load). */
export function keccak256(...parts: Uint8Array[]): Buffer {
  const hash = createKeccakHash("keccak256");
  for (const part of parts) hash.update(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
  return hash.digest();
}

/** keccak256(prefix ‖ byteLength ‖ message), exactly TronWeb's `utils.message.hashMessage`. */
export function hashTronMessage(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return keccak256(Buffer.from(`${TRON_MESSAGE_PREFIX}${body.length}`, "utf8"), body);
}

export function isSignatureHex(signature: unknown): signature is string {
  return typeof signature === "string" && SIGNATURE_PATTERN.test(signature);
}

/**
 * Addresses of recently seen public keys: a Speed client signs many commands with one key, and the
 * address (keccak256, double sha256 checksum, base58) costs more than the recovery's lookup.
 */
const ADDRESS_CACHE_MAX = 50_000;
const addressOfKey = new Map<string, Base58Address>();

function publicKeyToAddress(uncompressed: Uint8Array): Base58Address {
  const key = Buffer.from(uncompressed.buffer, uncompressed.byteOffset, uncompressed.byteLength).toString(
    "latin1",
  );
  const known = addressOfKey.get(key);
  if (known !== undefined) return known;
  const hash = keccak256(uncompressed.subarray(1));
  const bytes = new Uint8Array(21);
  bytes[0] = 0x41;
  bytes.set(hash.subarray(12), 1);
  const address = bytesToBase58Address(bytes);
  if (addressOfKey.size >= ADDRESS_CACHE_MAX) addressOfKey.delete(addressOfKey.keys().next().value as string);
  addressOfKey.set(key, address);
  return address;
}

/**
 * The address whose key made `signature` (65 bytes r‖s‖v, v ∈ {0, 1, 27, 28}) over the 32-byte
 * `hash`, with libsecp256k1's native binding (≈17k/s on one core against ≈600/s for TronWeb's
 * pure-JS recovery); null for an unrecoverable signature.
 */
export function recoverHashSigner(hash: Uint8Array, signature: Uint8Array): Base58Address | null {
  if (hash.length !== 32 || signature.length !== 65) return null;
  const v = signature[64] ?? 0;
  const recoveryId = v >= 27 ? v - 27 : v;
  if (recoveryId !== 0 && recoveryId !== 1) return null;
  try {
    return publicKeyToAddress(secp256k1.ecdsaRecover(signature.subarray(0, 64), recoveryId, hash, false));
  } catch {
    return null;
  }
}

/** A signature's 65 bytes from its hex form (`0x` optional), or null when it is not one. */
export function signatureBytes(signatureHex: string): Buffer | null {
  return isSignatureHex(signatureHex) ? Buffer.from(signatureHex.replace(/^0x/, ""), "hex") : null;
}

/** The signer of a TRON signed message (`signMessageV2`), or null for a malformed or unrecoverable signature. */
export function recoverMessageSigner(message: string, signatureHex: string): Base58Address | null {
  const bytes = signatureBytes(signatureHex);
  return bytes === null ? null : recoverHashSigner(hashTronMessage(message), bytes);
}
