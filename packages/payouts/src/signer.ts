import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import secp256k1 from "secp256k1";
import { encodeBase58Address } from "./address.js";
import { type SignedTransaction, transactionIdOf, type UnsignedTransaction } from "./transaction.js";

/**
 * Who signs the payouts. The engine only needs the distributor's address and a `sign`; an HSM or
 * KMS implementation (AWS KMS `ECC_SECG_P256K1`, a YubiHSM, a remote signer) implements the same
 * two members and the private key never enters this process. `sign` must return the transaction
 * unchanged except for `signature` (65 bytes r‖s‖v as hex, v = 27/28 or 0/1, over the txID).
 */
export interface PayoutSigner {
  /** base58 address of the distributor (the `owner_address` of every payout) */
  readonly address: string;
  sign(transaction: UnsignedTransaction): Promise<SignedTransaction>;
}

const KEY_PATTERN = /^(0x)?[0-9a-fA-F]{64}$/;

/** The base58 TRON address of a secp256k1 private key. */
export function addressOfPrivateKey(privateKeyHex: string): string {
  const key = parseKey(privateKeyHex);
  const publicKey = secp256k1.publicKeyCreate(key, false);
  const hash = keccak_256(publicKey.subarray(1));
  return encodeBase58Address(Buffer.concat([Buffer.from([0x41]), Buffer.from(hash.subarray(12))]));
}

function parseKey(privateKeyHex: string): Buffer {
  if (!KEY_PATTERN.test(privateKeyHex)) throw new Error("a private key is 64 hex digits");
  const key = Buffer.from(privateKeyHex.replace(/^0x/, ""), "hex");
  if (!secp256k1.privateKeyVerify(key)) throw new Error("not a valid secp256k1 private key");
  return key;
}

/**
 * A signer holding the key in memory (libsecp256k1, RFC 6979: the same signature TronWeb's
 * `trx.sign` makes, ≈20× faster). The key lives in a closure only: JSON.stringify, util.inspect
 * and pino see `{ address }`.
 */
export function privateKeySigner(privateKeyHex: string): PayoutSigner {
  const key = parseKey(privateKeyHex);
  const address = addressOfPrivateKey(privateKeyHex);
  const describe = () => ({ type: "privateKeySigner", address });
  const signer = {
    address,
    async sign(transaction: UnsignedTransaction): Promise<SignedTransaction> {
      const txId = transactionIdOf(transaction.raw_data_hex);
      if (txId !== transaction.txID) throw new Error(`refusing to sign: txID is not sha256(raw_data_hex)`);
      const { signature, recid } = secp256k1.ecdsaSign(Buffer.from(txId, "hex"), key);
      const hex = Buffer.from(signature).toString("hex") + (recid + 27).toString(16).toUpperCase(); // "1B" | "1C", as TronWeb writes it
      return { ...transaction, signature: [hex] };
    },
    toJSON: describe,
    toString: () => `privateKeySigner(${address})`,
    [inspect.custom]: describe,
  };
  return signer;
}

/**
 * `<PREFIX>_PRIVATE_KEY` (64 hex digits) or `<PREFIX>_KEY_FILE` (a file holding them, e.g. a
 * mounted secret); exactly one of the two. Errors name the variables, never their values.
 */
export function signerFromEnv(env: Record<string, string | undefined>, prefix: string): PayoutSigner {
  const keyVar = `${prefix}_PRIVATE_KEY`;
  const fileVar = `${prefix}_KEY_FILE`;
  const inline = env[keyVar]?.trim();
  const file = env[fileVar]?.trim();
  if (inline && file) throw new Error(`set ${keyVar} or ${fileVar}, not both`);
  if (!inline && !file) throw new Error(`the payout key is missing: set ${keyVar} or ${fileVar}`);
  let hex = inline;
  if (file) {
    try {
      hex = readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new Error(
        `${fileVar}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  if (!hex || !KEY_PATTERN.test(hex))
    throw new Error(`${inline ? keyVar : fileVar} must hold a private key of 64 hex digits`);
  return privateKeySigner(hex);
}
