import { hash } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import secp256k1 from "secp256k1";
import { takePrefetchedSigner } from "./signer-prefetch.js";

/**
 * Hashing and secp256k1 for transactions and blocks. Transaction and block signatures are over the
 * 32-byte digest itself (no message prefix, unlike signMessageV2), 65 bytes r‖s‖v with v = 0/1 on
 * chain and 27/28 from TronWeb; java-tron accepts both, so do we.
 */

/** One-shot hashing (crypto.hash) is about twice as fast as createHash for these small inputs. */
export function sha256(bytes: Uint8Array): Buffer {
  return hash("sha256", bytes, "buffer");
}

export function publicKeyToAddressHex(uncompressed: Uint8Array): string {
  const hash = keccak_256(uncompressed.subarray(1));
  return `41${Buffer.from(hash.subarray(12)).toString("hex")}`;
}

export function privateKeyToAddressHex(privateKeyHex: string): string {
  const pub = secp256k1.publicKeyCreate(Buffer.from(privateKeyHex, "hex"), false);
  return publicKeyToAddressHex(pub);
}

/**
 * Addresses of recently recovered public keys. Recovery itself (native libsecp256k1) must run for
 * every signature, but the keccak that turns the key into an address is pure JS and the same few
 * keys sign almost everything, so it is cached by the key's bytes (bounded: cleared when full).
 */
const addressByPublicKey = new Map<string, string>();
const ADDRESS_CACHE_LIMIT = 100_000;

function addressOfPublicKey(uncompressed: Uint8Array): string {
  const key = Buffer.from(uncompressed.buffer, uncompressed.byteOffset, uncompressed.byteLength).toString(
    "latin1",
  );
  let address = addressByPublicKey.get(key);
  if (address === undefined) {
    address = publicKeyToAddressHex(uncompressed);
    if (addressByPublicKey.size >= ADDRESS_CACHE_LIMIT) addressByPublicKey.clear();
    addressByPublicKey.set(key, address);
  }
  return address;
}

/** The signer's `41…` hex address, or null when the signature is malformed or unrecoverable. */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): string | null {
  if (signature.length !== 65) return null;
  const v = signature[64] ?? 0;
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return null;
  const prefetched = takePrefetchedSigner(digest, signature);
  if (prefetched !== undefined) return prefetched;
  let pub: Uint8Array;
  try {
    pub = secp256k1.ecdsaRecover(signature.subarray(0, 64), recid, digest, false);
  } catch {
    return null;
  }
  return addressOfPublicKey(pub);
}

/** 65-byte signature with v = 0/1, as java-tron's witnesses sign block headers. */
export function signDigest(digest: Uint8Array, privateKeyHex: string): Buffer {
  const { signature, recid } = secp256k1.ecdsaSign(digest, Buffer.from(privateKeyHex, "hex"));
  return Buffer.concat([Buffer.from(signature), Buffer.from([recid])]);
}
