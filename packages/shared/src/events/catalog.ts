import { z } from "zod";
import { AmountString, Base58, IsoTime, TxId, Uuid } from "./common.js";
import { SignedSpeedCommand, SPEED_REJECTION_REASONS } from "./speed-commands.js";

/**
 * Event contracts, one zod schema per (type, version), grouped by topic (ARCHITECTURE.md "Kafka
 * topics"). Every message is an envelope with a unique id and a schema version; consumers are
 * idempotent on the id.
 */

export const SnapshotCompletedV1 = z
  .object({
    height: z.number().int().nonnegative(),
    blockId: z.string().regex(/^[0-9a-f]{64}$/),
    blockTime: IsoTime,
    holders: z.number().int().nonnegative(),
    total: AmountString,
    totals: z.object({ liquid: AmountString, frozen: AmountString, unfreezing: AmountString }).strict(),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const ChainDepositV1 = z
  .object({
    txId: TxId,
    from: Base58,
    to: Base58,
    tokenId: z.string().regex(/^[0-9]+$/),
    amount: AmountString,
    blockNumber: z.number().int().nonnegative(),
    blockTime: IsoTime,
    memo: z.string().nullable(),
  })
  .strict();

export const SpeedCommandReceivedV1 = SignedSpeedCommand.extend({ receivedAt: IsoTime }).strict();

const Effect = z.object({ account: Base58, kind: z.string(), amount: z.string() }).strict();

export const CommandAcceptedV1 = z
  .object({
    commandId: Uuid,
    commandType: z.string(),
    signer: Base58,
    account: Base58,
    effects: z.array(Effect),
    appliedAt: IsoTime,
  })
  .strict();

export const CommandRejectedV1 = z
  .object({
    commandId: Uuid,
    commandType: z.string(),
    signer: Base58.nullable(),
    account: Base58.nullable(),
    reason: z.enum(SPEED_REJECTION_REASONS),
    message: z.string(),
    rejectedAt: IsoTime,
  })
  .strict();

export const BalanceChangedV1 = z
  .object({ account: Base58, available: AmountString, locked: AmountString, cause: z.string() })
  .strict();

export const WithdrawalStateV1 = z
  .object({
    withdrawalId: Uuid,
    account: Base58,
    status: z.enum(["reserved", "broadcast", "confirmed", "voided"]),
    txIds: z.array(TxId),
    reason: z.string().nullable(),
  })
  .strict();

export const DeadLetterV1 = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    reason: z.string(),
    valueBase64: z.string(),
    failedAt: IsoTime,
  })
  .strict();

/** A schedule change (TOKENOMICS.md: every change is audit-logged and published). */
export const ScheduleChangedV1 = z
  .object({
    version: z.number().int().positive(),
    entryId: Uuid.nullable(),
    action: z.enum(["seeded", "created", "updated", "cancelled"]),
    actor: z.string().min(1),
    reason: z.string(),
    forced: z.boolean(),
    noticeDays: z.number().int().nullable(),
    entry: z.record(z.string(), z.unknown()).nullable(),
    at: IsoTime,
  })
  .strict();

/** A round changed state (computed, approved, distributing, completed, paused, cancelled…). */
export const RoundStateV1 = z
  .object({
    roundId: Uuid,
    scheduleEntryId: Uuid.nullable(),
    status: z.string().min(1),
    statusReason: z.string().nullable(),
    merkleRoot: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    actor: z.string().min(1),
    at: IsoTime,
  })
  .strict();

/** Event type → payload schema; the version is part of the key so contracts can evolve side by side. */
export const EVENT_SCHEMAS = {
  "snapshot.completed@1": SnapshotCompletedV1,
  "chain.deposit@1": ChainDepositV1,
  "speed.command@1": SpeedCommandReceivedV1,
  "command.accepted@1": CommandAcceptedV1,
  "command.rejected@1": CommandRejectedV1,
  "balance.changed@1": BalanceChangedV1,
  "withdrawal.state@1": WithdrawalStateV1,
  "dead.letter@1": DeadLetterV1,
  "schedule.changed@1": ScheduleChangedV1,
  "round.state@1": RoundStateV1,
} as const;

export type EventKey = keyof typeof EVENT_SCHEMAS;
export type EventType = EventKey extends `${infer T}@${string}` ? T : never;
export type EventPayload<K extends EventKey> = z.infer<(typeof EVENT_SCHEMAS)[K]>;

/** The wire format of every message on every topic. */
export const EventEnvelope = z
  .object({
    id: Uuid,
    type: z.string().min(1).max(64),
    version: z.number().int().positive(),
    occurredAt: IsoTime,
    payload: z.unknown(),
  })
  .strict();
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export function eventKey(type: string, version: number): string {
  return `${type}@${version}`;
}

export function payloadSchemaFor(type: string, version: number): z.ZodType | undefined {
  return (EVENT_SCHEMAS as Record<string, z.ZodType>)[eventKey(type, version)];
}
