// The signature-recovery worker of the devnet's broadcast path (src/protocol/signer-prefetch.ts).
// Plain JavaScript so that the same file serves the built package and the TypeScript sources
// under vitest. It only computes a pure function: for each 97-byte record (32-byte digest ‖
// 65-byte r‖s‖v signature) of a batch, the signer's `41…` hex address, or null when the signature
// is unrecoverable — exactly what src/protocol/crypto.ts's recoverSigner returns.
import { parentPort } from "node:worker_threads";
import { keccak_256 } from "@noble/hashes/sha3.js";
import secp256k1 from "secp256k1";

const RECORD = 97;
const addressByPublicKey = new Map();
const ADDRESS_CACHE_LIMIT = 100_000;

function recover(digest, signature) {
  const v = signature[64];
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return null;
  let pub;
  try {
    pub = secp256k1.ecdsaRecover(signature.subarray(0, 64), recid, digest, false);
  } catch {
    return null;
  }
  const key = Buffer.from(pub.buffer, pub.byteOffset, pub.byteLength).toString("latin1");
  let address = addressByPublicKey.get(key);
  if (address === undefined) {
    address = `41${Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString("hex")}`;
    if (addressByPublicKey.size >= ADDRESS_CACHE_LIMIT) addressByPublicKey.clear();
    addressByPublicKey.set(key, address);
  }
  return address;
}

parentPort.on("message", (records) => {
  const bytes = new Uint8Array(records);
  const signers = [];
  for (let at = 0; at + RECORD <= bytes.length; at += RECORD) {
    signers.push(recover(bytes.subarray(at, at + 32), bytes.subarray(at + 32, at + RECORD)));
  }
  parentPort.postMessage(signers);
});
