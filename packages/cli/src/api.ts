/**
 * The parts of API.md's answers the CLI reads. Amounts stay decimal strings of base units here;
 * they become bigint only where they are printed or compared (format.ts, merkle.ts).
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ScheduleEntry {
  id: string;
  kind: "initial" | "monthly" | "event";
  label: string;
  payoutDate: string;
  snapshot: { height: number | null; at: string | null };
  pool: string;
  status: string;
  overdue: boolean;
  roundId: string | null;
  reason: string | null;
}

export interface Schedule {
  version: number;
  entries: ScheduleEntry[];
}

export interface RoundProgress {
  recipients: number;
  confirmed: number;
  pending: number;
  failed: number;
  paid: string;
}

export interface Round {
  id: string;
  kind: string;
  label: string;
  scheduleEntryId: string | null;
  snapshotHeight: number | null;
  pool: string;
  eligibleTotal: string | null;
  minHoldingSun: string | null;
  exclusions: { address: string; reason: string; holding: string | null }[];
  ratio: { numerator: string; denominator: string; decimal: string } | null;
  recipients: number | null;
  undistributed: string | null;
  merkleRoot: string | null;
  status: string;
  statusReason: string | null;
  approvals: { keyId: string; at: string }[];
  approvalsRequired: number;
  feeEstimate: { bandwidthBytes: string; trxBurnSun: string } | null;
  progress: RoundProgress | null;
  createdAt: string;
  updatedAt: string;
}

export const TERMINAL_ROUND_STATUSES: readonly string[] = ["completed", "cancelled", "failed"];

export interface Entitlement {
  roundId: string;
  address: string;
  holding: { liquid: string; frozen: string; unfreezing: string; total: string };
  amount: string;
  leafIndex: number;
  proof: string[];
  merkleRoot: string;
  payout: { status: string; txId: string | null; blockNumber: number | null };
}

export interface LedgerCheck {
  ok: boolean;
  totals: Record<string, string>;
  custodyOnChain: string | null;
  drift: string | null;
  invariants?: { ok: boolean } & Record<string, unknown>;
  state?: string;
  reason?: string | null;
  evaluatedAt?: string;
}
