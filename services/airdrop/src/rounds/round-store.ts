import type { PoolClient } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { enqueueOutbox, outboxTableFor } from "@btt/shared/kafka";

/** Rows of `airdrop.rounds` and the writes every round transition shares (audit + published state). */

export const OUTBOX = outboxTableFor("airdrop");

export type RoundStatus =
  | "computing"
  | "computed"
  | "approved"
  | "distributing"
  | "paused"
  | "completed"
  | "cancelling"
  | "cancelled"
  | "failed";

export interface RoundRow {
  id: string;
  kind: string;
  label: string;
  schedule_entry_id: string | null;
  snapshot_height: bigint | null;
  snapshot_at: Date | null;
  snapshot_block_id: string | null;
  snapshot_content_hash: string | null;
  pool: bigint;
  min_holding_sun: bigint;
  status: RoundStatus;
  status_reason: string | null;
  eligible_total: bigint | null;
  distributed: bigint | null;
  undistributed: bigint | null;
  recipients: number | null;
  already_paid: number;
  zero_amount_holders: number | null;
  ratio_numerator: string | null;
  ratio_denominator: string | null;
  ratio_decimal: string | null;
  merkle_root: string | null;
  computation: number;
  approvals_required: number;
  auto_approve: boolean;
  dry_run: boolean;
  fee_bandwidth_bytes: bigint | null;
  fee_trx_burn_sun: bigint | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

type Queryable = Pick<PoolClient, "query">;

export async function loadRound(client: Queryable, id: string, lock = false): Promise<RoundRow> {
  const { rows } = await client.query<RoundRow>(
    `SELECT * FROM airdrop.rounds WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `no round ${id}`);
  return row;
}

export async function audit(
  client: Queryable,
  entry: {
    roundId: string | null;
    entryId?: string | null;
    actor: string;
    action: string;
    reason?: string | null;
    details?: unknown;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO airdrop.audit_log (round_id, entry_id, actor, action, reason, details) VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.roundId,
      entry.entryId ?? null,
      entry.actor,
      entry.action,
      entry.reason ?? null,
      entry.details === undefined ? null : JSON.stringify(entry.details),
    ],
  );
}

/** Moves a round to `status` (with its reason), audit-logs it and publishes `round.state`. */
export async function transition(
  client: Queryable,
  round: Pick<RoundRow, "id" | "schedule_entry_id" | "merkle_root">,
  status: RoundStatus,
  reason: string | null,
  actor: string,
  details?: unknown,
): Promise<void> {
  await client.query(
    "UPDATE airdrop.rounds SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1",
    [round.id, status, reason],
  );
  await audit(client, { roundId: round.id, actor, action: `round.${status}`, reason, details });
  await enqueueOutbox(client, OUTBOX, [
    {
      topic: "airdrop.events",
      event: "round.state@1",
      key: round.id,
      payload: {
        roundId: round.id,
        scheduleEntryId: round.schedule_entry_id,
        status,
        statusReason: reason,
        merkleRoot: round.merkle_root,
        actor,
        at: new Date().toISOString(),
      },
    },
  ]);
}
