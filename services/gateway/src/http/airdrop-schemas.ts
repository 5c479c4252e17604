import { z } from "zod";
import {
  Address,
  Amount,
  AmountOut,
  Base58,
  Height,
  IsoTime,
  Label,
  PageQuery,
  pageOf,
  Reason,
} from "./common-schemas.js";

/** API.md "Schedule" and "Rounds and entitlements": what the gateway accepts and what it answers. */

export const ROUND_STATUSES = [
  "computing",
  "computed",
  "approved",
  "distributing",
  "paused",
  "completed",
  "cancelling",
  "cancelled",
  "failed",
] as const;

const ENTRY_STATUSES = [
  "historical",
  "scheduled",
  "snapshotting",
  "computed",
  "approved",
  "distributing",
  "completed",
  "paused",
  "cancelling",
  "cancelled",
  "missed",
  "failed",
] as const;

// ── requests ────────────────────────────────────────────────────────────────────────────────────

const PayoutDate = z.iso.date({ error: "must be a date YYYY-MM-DD" });
const MerkleRoot = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { error: "must be 32 bytes as 64 hex digits" })
  .transform((hex) => hex.toLowerCase());

const SnapshotChoice = z
  .object({
    height: Height.nullable().optional(),
    at: IsoTime.nullable().optional(),
  })
  .strict()
  .refine((s) => (s.height == null) !== (s.at == null), { error: "give exactly one of height and at" })
  .openapi("SnapshotChoice");

export const NewScheduleEntry = z
  .object({
    kind: z.enum(["event", "monthly"]),
    label: Label,
    payoutDate: PayoutDate,
    snapshot: SnapshotChoice,
    pool: Amount,
    reason: Reason.optional(),
    force: z.boolean().optional().describe("inside the notice period: act anyway (with a reason)"),
  })
  .strict()
  .openapi("NewScheduleEntry");

export const ScheduleEntryPatch = z
  .object({
    pool: Amount.optional(),
    payoutDate: PayoutDate.optional(),
    snapshot: SnapshotChoice.optional(),
    status: z.literal("cancelled").optional(),
    reason: Reason,
    force: z.boolean().optional().describe("inside the notice period: act anyway"),
  })
  .strict()
  .openapi("ScheduleEntryPatch");

const Exclusion = z.object({ address: Address, reason: Reason }).strict();

export const NewRound = z
  .union([
    z
      .object({
        scheduleEntryId: z.uuid(),
        dryRun: z.boolean().optional().describe("compute the whole table, never pay"),
      })
      .strict(),
    z
      .object({
        kind: z.literal("event"),
        label: Label,
        pool: Amount,
        snapshotHeight: Height,
        exclusions: z.array(Exclusion).max(1000).optional(),
        dryRun: z.boolean().optional().describe("compute the whole table, never pay"),
      })
      .strict(),
  ])
  .openapi("NewRound");

export const ExclusionBody = Exclusion.openapi("NewExclusion");
export const ApproveBody = z.object({ merkleRoot: MerkleRoot }).strict().openapi("Approval");
export const ReasonBody = z.object({ reason: Reason }).strict().openapi("ActionReason");
export const LookupBody = z
  .object({ addresses: z.array(Address).min(1).max(1000) })
  .strict()
  .openapi("EntitlementLookup");

export const EntryIdParams = z.object({ id: z.uuid({ error: "must be a schedule entry id (UUID)" }) });
export const RoundIdParams = z.object({ id: z.uuid({ error: "must be a round id (UUID)" }) });
export const RoundAddressParams = RoundIdParams.extend({ address: Address });
export const AddressParams = z.object({ address: Address });

export const RoundsQuery = PageQuery.extend({ status: z.enum(ROUND_STATUSES).optional() }).strict();
export const EntitlementsQuery = PageQuery.extend({
  format: z
    .enum(["json", "csv"])
    .optional()
    .describe("`csv`: the whole table, streamed (or send Accept: text/csv)"),
}).strict();

// ── responses ───────────────────────────────────────────────────────────────────────────────────

export const ScheduleEntry = z
  .object({
    id: z.uuid(),
    kind: z.enum(["initial", "monthly", "event"]),
    label: z.string(),
    payoutDate: z.string(),
    snapshot: z.object({ height: z.number().int().nullable(), at: z.string().nullable() }),
    pool: AmountOut,
    status: z.enum(ENTRY_STATUSES),
    overdue: z.boolean(),
    roundId: z.uuid().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("ScheduleEntry");

export const Schedule = z
  .object({ version: z.number().int(), entries: z.array(ScheduleEntry) })
  .openapi("Schedule");

export const ScheduleChangePage = pageOf(
  z.object({
    seq: z.number().int(),
    version: z.number().int(),
    entryId: z.uuid().nullable(),
    action: z.string(),
    who: z.string().describe("API key id of the operator, or `internal`"),
    at: z.string(),
    why: z.string(),
    forced: z.boolean(),
    noticeDays: z.number().int().nullable().describe("days of notice the change gave"),
    before: z.unknown(),
    after: z.unknown(),
  }),
).openapi("ScheduleChangePage");

export const Round = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    label: z.string(),
    scheduleEntryId: z.uuid().nullable(),
    snapshotHeight: z.number().int().nullable(),
    pool: AmountOut,
    eligibleTotal: AmountOut.nullable(),
    minHoldingSun: AmountOut,
    exclusions: z.array(z.object({ address: Base58, reason: z.string(), holding: AmountOut })),
    ratio: z
      .object({ numerator: z.string(), denominator: z.string(), decimal: z.string() })
      .nullable()
      .describe("pool/eligibleTotal reduced, or 1/1 when the pool covers everyone"),
    recipients: z.number().int(),
    undistributed: AmountOut.nullable(),
    merkleRoot: z.string().nullable(),
    status: z.enum(ROUND_STATUSES),
    statusReason: z.string().nullable(),
    approvals: z.array(z.object({ keyId: z.string(), at: z.string() })),
    approvalsRequired: z.number().int(),
    feeEstimate: z.object({ bandwidthBytes: z.string().nullable(), trxBurnSun: z.string().nullable() }),
    progress: z.object({
      recipients: z.number().int(),
      confirmed: z.number().int(),
      pending: z.number().int(),
      failed: z.number().int(),
      paid: AmountOut,
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Round");

export const RoundPage = pageOf(Round).openapi("RoundPage");

export const RoundAudit = z
  .object({
    items: z.array(
      z.object({
        seq: z.number().int(),
        who: z.string().describe("API key id of the operator, or `internal`"),
        action: z.string(),
        why: z.string().nullable(),
        at: z.string(),
        details: z.unknown(),
      }),
    ),
  })
  .openapi("RoundAudit");

const Holding = z.object({ liquid: AmountOut, frozen: AmountOut, unfreezing: AmountOut, total: AmountOut });
const Payout = z.object({
  status: z.enum(["none", "pending", "broadcast", "confirmed", "failed"]),
  txId: z.string().nullable(),
  blockNumber: z.number().int().nullable(),
});

export const EntitlementSummary = z
  .object({
    roundId: z.uuid(),
    address: Base58,
    holding: Holding,
    amount: AmountOut,
    leafIndex: z.number().int(),
    merkleRoot: z.string().nullable(),
    payout: Payout,
  })
  .openapi("EntitlementSummary");

export const Entitlement = EntitlementSummary.extend({
  proof: z.array(z.string()).describe('sibling hashes from the leaf upwards (API.md "Merkle tree")'),
}).openapi("Entitlement");

export const EntitlementPage = pageOf(EntitlementSummary).openapi("EntitlementPage");

export const EntitlementLookupAnswer = z
  .object({
    items: z.array(
      z.union([
        Entitlement,
        z.object({ address: Base58, reason: z.string().describe("why the address has no leaf") }),
      ]),
    ),
  })
  .openapi("EntitlementLookupAnswer");

export const AddressEntitlements = z
  .object({ address: Base58, items: z.array(Entitlement) })
  .openapi("AddressEntitlements");
