import { z } from "zod";
import { Address, Amount, AmountOut, Base58, PageQuery, pageOf } from "./common-schemas.js";

/** API.md "Speed": what the gateway accepts and what the speed ledger answers. */

export const MEMO_MAX_CHARS = 200;
export const CHANNEL_STATUSES = ["open", "closed", "expired"] as const;
export const WITHDRAWAL_STATUSES = ["reserved", "broadcast", "confirmed", "voided"] as const;
export const COMMAND_STATUSES = ["queued", "accepted", "rejected"] as const;

// ── requests ────────────────────────────────────────────────────────────────────────────────────

export const AccountParams = z.object({ address: Address });
export const ChannelIdParams = z.object({
  channelId: z.uuid({ error: "must be a channel id (the UUID of its channel.open)" }),
});
export const WithdrawalIdParams = z.object({ id: z.uuid({ error: "must be a withdrawal id (UUID)" }) });
export const CommandIdParams = z.object({ commandId: z.uuid({ error: "must be a command id (UUID)" }) });

export const ChannelsQuery = PageQuery.extend({
  status: z.enum(CHANNEL_STATUSES).optional().describe("only channels in this state"),
}).strict();

export const GrantBody = z
  .object({
    address: Address,
    amount: Amount,
    memo: z.string().trim().min(1).max(MEMO_MAX_CHARS).describe("why: kept with the grant"),
  })
  .strict()
  .openapi("NewSpeedGrant");

// ── responses ───────────────────────────────────────────────────────────────────────────────────

/** A signed amount in an answer: `"-123"` or `"123"`. */
const SignedAmountOut = z
  .string()
  .openapi({ description: "base units, signed decimal string", example: "-2500000" });

export const SpeedAccount = z
  .object({
    address: Base58,
    available: AmountOut,
    locked: AmountOut.describe("in open channels"),
    earned: AmountOut.describe("received through vouchers"),
    spent: AmountOut.describe("paid through vouchers"),
    rewards: AmountOut.describe("seeding rewards received"),
    granted: AmountOut.describe("promotional grants received"),
    deposited: AmountOut,
    withdrawn: AmountOut,
    withdrawing: AmountOut.describe("reserved by withdrawals not yet confirmed"),
  })
  .openapi("SpeedAccount");

export const StatementLine = z
  .object({
    seq: z.string().describe("position in the account's history, a decimal string"),
    at: z.string().describe("ISO-8601 time"),
    kind: z.string().describe("deposit, channel.open, voucher, channel.close, grant, reward, withdrawal.…"),
    amount: SignedAmountOut.describe("change to available + locked"),
    balanceAfter: AmountOut.describe("available + locked after this line"),
    ref: z.string().describe("what caused it: a command, channel, deposit, grant, epoch or withdrawal id"),
  })
  .openapi("SpeedStatementLine");
export const StatementPage = pageOf(StatementLine).openapi("SpeedStatementPage");

export const Channel = z
  .object({
    id: z.uuid(),
    payer: Base58,
    payee: Base58,
    lock: AmountOut,
    paid: AmountOut,
    bytes: z.string().describe("cumulative bytes of the latest voucher, a decimal string"),
    status: z.enum(CHANNEL_STATUSES),
    expiresAt: z.string().describe("ISO-8601 time"),
  })
  .openapi("SpeedChannel");
export const ChannelPage = pageOf(Channel).openapi("SpeedChannelPage");

export const Withdrawal = z
  .object({
    id: z.uuid(),
    account: Base58,
    amount: AmountOut,
    to: Base58,
    status: z.enum(WITHDRAWAL_STATUSES),
    txIds: z.array(z.string()),
    reason: z.string().nullable(),
  })
  .openapi("SpeedWithdrawal");

const Effect = z.object({ account: Base58, kind: z.string(), amount: SignedAmountOut });

export const CommandStatus = z
  .object({
    commandId: z.uuid(),
    type: z.string(),
    status: z.enum(COMMAND_STATUSES),
    reason: z.string().optional().describe("why it was rejected"),
    effects: z.array(Effect).optional().describe("what an accepted command changed"),
  })
  .openapi("SpeedCommandStatus");

export const Grant = z
  .object({
    grantId: z.uuid(),
    address: Base58,
    amount: AmountOut,
    memo: z.string(),
    status: z.literal("applied"),
    availableAfter: AmountOut,
  })
  .openapi("SpeedGrant");

export const RewardEpoch = z
  .object({
    id: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    budget: AmountOut,
    distributed: AmountOut,
    status: z.string(),
    weights: z.array(z.object({ payee: Base58, weight: z.string() })),
    payouts: z.array(z.object({ payee: Base58, amount: AmountOut })),
  })
  .openapi("SpeedRewardEpoch");
export const RewardEpochPage = pageOf(RewardEpoch).openapi("SpeedRewardEpochPage");

export const LedgerCheck = z
  .object({
    ok: z.boolean().describe("every invariant holds and custody matches"),
    totals: z
      .record(z.string(), SignedAmountOut)
      .describe("what the ledger owes by account class; custodyMirror is the contra account (negative)"),
    custodyOnChain: AmountOut.nullable().describe("the custody account's BTT on chain; null when unknown"),
    drift: SignedAmountOut.nullable().describe("custody on chain minus what the ledger owes"),
  })
  .loose()
  .openapi("SpeedLedgerCheck");
