import { Trx } from "tronweb";
import { canonicalJson, recoverMessageSigner } from "./signed-message.js";

/**
 * Speed command signatures (API.md "Signature (fixed)"): the message is the command's RFC 8785
 * canonical JSON, signed with TronWeb's `signMessageV2` (keccak256 over the TRON message prefix,
 * secp256k1, 65-byte r‖s‖v). Verification recovers the signer's address; callers compare it with
 * the party that must sign.
 */

/** Signs with TronWeb itself: the reference implementation, used by clients, tests and tools. */
export function signMessage(message: string, privateKeyHex: string): string {
  return Trx.signMessageV2(message, privateKeyHex);
}

export function signCommand(command: Record<string, string>, privateKeyHex: string): string {
  return signMessage(canonicalJson(command), privateKeyHex);
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
