import { createHash } from "node:crypto";
import { canonicalJson, hashTronMessage, recoverHashSigner, signatureBytes } from "../tron/signed-message.js";
import { parseEventValue } from "./parse.js";
import { commandSigner, type SignedSpeedCommand, type SpeedCommand } from "./speed-commands.js";

/**
 * What a Speed command's signature proves (API.md "Signature (fixed)"): the address it recovers
 * over the command's RFC 8785 form. Whether that signer may issue the command, and every other
 * rule, is the ledger's to decide. Free of TronWeb, so that worker threads can run it.
 */
export interface VerifiedSpeedCommand {
  command: SpeedCommand;
  signature: string;
  /** The address the signature recovers, or null when it recovers none. */
  signer: string | null;
  /** The party that must sign it (API.md "Commands"). */
  requiredSigner: string;
  /** sha256 of the canonical JSON: the same (signer, id) with another digest is DUPLICATE_ID. */
  digest: Buffer;
}

export function verifySpeedCommand(signed: SignedSpeedCommand): VerifiedSpeedCommand {
  const message = canonicalJson(signed.command);
  const signature = signatureBytes(signed.signature);
  return {
    command: signed.command,
    signature: signed.signature,
    signer: signature === null ? null : recoverHashSigner(hashTronMessage(message), signature),
    requiredSigner: commandSigner(signed.command),
    digest: createHash("sha256").update(message).digest(),
  };
}

export type ParsedSpeedCommand =
  | { ok: true; verified: VerifiedSpeedCommand; receivedAt: number | null }
  | { ok: false; reason: string };

/** A `speed.commands` message value → the verified command and when the gateway received it, or why it is malformed. */
export function parseSpeedCommandValue(value: Uint8Array | null | undefined): ParsedSpeedCommand {
  const parsed = parseEventValue(value);
  if (!parsed.ok) return parsed;
  const { type, version } = parsed.envelope;
  if (type !== "speed.command" || version !== 1)
    return { ok: false, reason: `unexpected event ${type}@${version} on speed.commands` };
  const payload = parsed.envelope.payload as SignedSpeedCommand & { receivedAt: string };
  return {
    ok: true,
    verified: verifySpeedCommand({ command: payload.command, signature: payload.signature }),
    receivedAt: Date.parse(payload.receivedAt),
  };
}
