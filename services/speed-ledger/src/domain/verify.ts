import { createHash } from "node:crypto";
import { commandSigner, type SignedSpeedCommand, type SpeedCommand } from "@btt/shared/events";
import { canonicalJson, recoverMessageSigner } from "@btt/shared/tron";

/** A signed command with what its signature proves: the recovered signer (null: no valid signature). */
export interface VerifiedCommand {
  command: SpeedCommand;
  signature: string;
  /** The address the signature recovers, or null when it recovers none. */
  signer: string | null;
  /** The party that must sign it (API.md "Commands"). */
  requiredSigner: string;
  /** sha256 of the canonical JSON: the same (signer, id) with another digest is DUPLICATE_ID. */
  digest: Buffer;
}

/**
 * Recovers the signer of a command's RFC 8785 form (API.md "Signature (fixed)"). Whether that
 * signer may issue the command, and every other rule, is decided in the applying transaction.
 */
export function verifyCommand(signed: SignedSpeedCommand): VerifiedCommand {
  const message = canonicalJson(signed.command);
  return {
    command: signed.command,
    signature: signed.signature,
    signer: recoverMessageSigner(message, signed.signature),
    requiredSigner: commandSigner(signed.command),
    digest: createHash("sha256").update(message).digest(),
  };
}
