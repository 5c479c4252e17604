import canonicalize from "canonicalize";
import createKeccakHash from "keccak";
import secp256k1 from "secp256k1";
import { Trx } from "tronweb";
import { type Base58Address, bytesToBase58Address } from "./address.js";

/**
 * Speed command signatures (API.md "Signature (fixed)"): the message is the command's RFC 8785
 * canonical JSON, signed with TronWeb's `signMessageV2` (keccak256 over the TRON message prefix,
 * secp256k1, 65-byte r‖s‖v). Verification recovers the signer's address; callers compare it with
 * the party that must sign.
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
function keccak256(...parts: Buffer[]): Buffer {
  const hash = createKeccakHash("keccak256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** keccak256(prefix ‖ byteLength ‖ message), exactly TronWeb's `utils.message.hashMessage`. */
export function hashTronMessage(message: string): Uint8Array {
  const body = Buffer.from(message, "utf8");
  return keccak256(Buffer.from(`${TRON_MESSAGE_PREFIX}${body.length}`, "utf8"), body);
}

/** Signs with TronWeb itself: the reference implementation, used by clients, tests and tools. */
export function signMessage(message: string, privateKeyHex: string): string {
  return Trx.signMessageV2(message, privateKeyHex);
}

export function signCommand(command: Record<string, string>, privateKeyHex: string): string {
  return signMessage(canonicalJson(command), privateKeyHex);
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
  const hash = keccak256(Buffer.from(uncompressed.subarray(1)));
  const bytes = new Uint8Array(21);
  bytes[0] = 0x41;
  bytes.set(hash.subarray(12), 1);
  const address = bytesToBase58Address(bytes);
  if (addressOfKey.size >= ADDRESS_CACHE_MAX) addressOfKey.delete(addressOfKey.keys().next().value as string);
  addressOfKey.set(key, address);
  return address;
}

/**
 * Fast path: recovers the signer with libsecp256k1's native binding (≈17k/s on one core against
 * ≈600/s for TronWeb's pure-JS recovery). Returns null for a malformed or unrecoverable signature.
 * Agrees with TronWeb's `verifyMessageV2` on API.md's golden vector (a test).
 */
export function recoverMessageSigner(message: string, signatureHex: string): Base58Address | null {
  if (!isSignatureHex(signatureHex)) return null;
  const bytes = Buffer.from(signatureHex.replace(/^0x/, ""), "hex");
  const v = bytes[64] ?? 0;
  const recoveryId = v >= 27 ? v - 27 : v;
  if (recoveryId !== 0 && recoveryId !== 1) return null;
  try {
    const publicKey = secp256k1.ecdsaRecover(
      bytes.subarray(0, 64),
      recoveryId,
      hashTronMessage(message),
      false,
    );
    return publicKeyToAddress(publicKey);
  } catch {
    return null;
  }
}

/** The reference (slow) recovery through TronWeb, for cross-checks. */
export function recoverMessageSignerWithTronWeb(message: string, signatureHex: string): string {
  return Trx.verifyMessageV2(message, signatureHex);
}

/** True when `signature` over the command's canonical JSON was made by `expectedSigner`. */
export function verifyCommandSignature(
  command: object,
  signatureHex: string,
  expectedSigner: string,
): boolean {
  const signer = recoverMessageSigner(canonicalJson(command), signatureHex);
  return signer !== null && signer === expectedSigner;
}
