import { z } from "zod";
import { Base58, UintString, Uuid } from "./common.js";

/**
 * Signed Speed commands (API.md "Commands"). Every value is a string so that the RFC 8785 form of
 * the object is the signed message. Unknown fields are rejected: a field the ledger ignores
 * would still be covered by the signature and invite confusion.
 */

export const SPEED_DOMAIN_PATTERN = /^btt-speed\/v1\/[a-z0-9][a-z0-9-]{0,31}$/;

const commandBase = {
  domain: z.string().regex(SPEED_DOMAIN_PATTERN, { error: "must be btt-speed/v1/<network>" }),
  id: Uuid,
  notAfter: UintString,
};

export const ChannelOpenCommand = z
  .object({
    type: z.literal("channel.open"),
    ...commandBase,
    payer: Base58,
    payee: Base58,
    amount: UintString,
    expiresAt: UintString,
  })
  .strict();
export type ChannelOpenCommand = z.infer<typeof ChannelOpenCommand>;

export const VoucherCommand = z
  .object({
    type: z.literal("voucher"),
    ...commandBase,
    channelId: Uuid,
    payer: Base58,
    payee: Base58,
    cumulativeAmount: UintString,
    cumulativeBytes: UintString,
    infohash: z.string().regex(/^[0-9a-f]{40}$/, { error: "must be 40 lower-case hex characters" }),
  })
  .strict();
export type VoucherCommand = z.infer<typeof VoucherCommand>;

export const ChannelCloseCommand = z
  .object({ type: z.literal("channel.close"), ...commandBase, channelId: Uuid, payer: Base58, by: Base58 })
  .strict();
export type ChannelCloseCommand = z.infer<typeof ChannelCloseCommand>;

export const WithdrawalRequestCommand = z
  .object({
    type: z.literal("withdrawal.request"),
    ...commandBase,
    account: Base58,
    amount: UintString,
    to: Base58,
  })
  .strict();
export type WithdrawalRequestCommand = z.infer<typeof WithdrawalRequestCommand>;

export const SpeedCommand = z.discriminatedUnion("type", [
  ChannelOpenCommand,
  VoucherCommand,
  ChannelCloseCommand,
  WithdrawalRequestCommand,
]);
export type SpeedCommand = z.infer<typeof SpeedCommand>;

export const SignedSpeedCommand = z
  .object({
    command: SpeedCommand,
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]{130}$/, { error: "must be 0x followed by 130 hex characters" }),
  })
  .strict();
export type SignedSpeedCommand = z.infer<typeof SignedSpeedCommand>;

/** The account a command debits: its Kafka key, so one account's commands apply in order. */
export function commandAccount(command: SpeedCommand): string {
  return command.type === "withdrawal.request" ? command.account : command.payer;
}

/**
 * The address whose signature the command must carry. For `channel.close` that is `by`; whether
 * `by` may close (payee any time, payer after expiry) is the ledger's rule, checked there.
 */
export function commandSigner(command: SpeedCommand): string {
  switch (command.type) {
    case "channel.close":
      return command.by;
    case "withdrawal.request":
      return command.account;
    default:
      return command.payer;
  }
}

export const SPEED_REJECTION_REASONS = [
  "INSUFFICIENT_FUNDS",
  "CHANNEL_NOT_FOUND",
  "CHANNEL_CLOSED",
  "WRONG_SIGNER",
  "WRONG_DOMAIN",
  "DUPLICATE_ID",
  "EXPIRED",
  "LIMIT_REACHED",
  "EXCEEDS_LOCK",
  "INVALID_SIGNATURE",
  "INVALID_COMMAND",
] as const;
export type SpeedRejectionReason = (typeof SPEED_REJECTION_REASONS)[number];
