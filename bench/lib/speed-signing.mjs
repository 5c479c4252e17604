// Keys and Speed command signatures for the benches: libsecp256k1 (native) over TRON's message hash,
// the format TronWeb's signMessageV2 produces (bench/ledger checks a sample against TronWeb).
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT } from "../../infra/stack/lib/tools.mjs";

const { canonicalJson, hashTronMessage } = await import(
  path.join(REPO_ROOT, "packages/shared/dist/tron/index.js")
);
const { addressOfPrivateKey } = await import(path.join(REPO_ROOT, "packages/payouts/dist/index.js"));
// the native libsecp256k1 binding packages/shared depends on (not a dependency of the root)
const secp256k1 = createRequire(path.join(REPO_ROOT, "packages/shared/package.json"))("secp256k1");

/** A fresh key and its base58 address. */
export function keyPair() {
  const key = randomBytes(32);
  return { key, address: addressOfPrivateKey(key.toString("hex")) };
}

/** TronWeb's signMessageV2 format: 0x ‖ r ‖ s ‖ v (27 + recovery id). */
export function signFast(message, key) {
  const { signature, recid } = secp256k1.ecdsaSign(hashTronMessage(message), key);
  const bytes = Buffer.alloc(65);
  bytes.set(signature);
  bytes[64] = 27 + recid;
  return `0x${bytes.toString("hex")}`;
}

/** A signed command as it travels: the command, its canonical message, the signature. */
export function signed(command, key) {
  const message = canonicalJson(command);
  return { command, message, signature: signFast(message, key) };
}
