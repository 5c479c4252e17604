import { randomUUID } from "node:crypto";
import { type Pool, type PoolClient, uuidFrom, withTransaction } from "@btt/shared/db";
import { AppError, isUniqueViolation } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import type { AutoApproveScope } from "../config.js";
import { assertEventBudget, dueAt, type ScheduleService } from "../schedule/schedule-service.js";
import type { BatchProgress, PayoutPort } from "./payout-port.js";
import { audit, loadRound, type RoundRow, type RoundStatus, transition } from "./round-store.js";

/**
 * Round lifecycle (ARCHITECTURE.md flow 2, API.md "Rounds"): computing → computed → approved →
 * distributing → completed, with paused, cancelling → cancelled and failed. Approvals name the
 * current Merkle root; distribution hands the unpaid entitlements to the payout engine in the same
 * transaction as the last approval. Every action is audit-logged with the acting key.
 */

export const BLACK_HOLE_ADDRESS = "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb";
export const AUTO_APPROVER = "auto-approve-policy";

export interface RoundServiceOptions {
  pool: Pool;
  schedule: ScheduleService;
  payouts: PayoutPort;
  logger: Logger;
  approvalsRequired: number;
  /** Demo policy; the composition root refuses it unless the chain is the devnet. */
  autoApprove: AutoApproveScope;
  roundCap: bigint;
  minHoldingSun: bigint;
  /** Default exclusions (distributor, custody, black hole, foundation) with their reasons. */
  defaultExclusions: { address: string; reason: string }[];
}

export type CreateRoundInput =
  | { scheduleEntryId: string; dryRun?: boolean }
  | {
      dryRun?: boolean;
      kind: "event";
      label: string;
      pool: bigint;
      snapshotHeight: number;
      exclusions?: { address: string; reason: string }[];
    };

export class RoundService {
  constructor(private readonly options: RoundServiceOptions) {}

  private get pool(): Pool {
    return this.options.pool;
  }

  async create(input: CreateRoundInput, actor: string): Promise<RoundView> {
    const id = randomUUID();
    await withTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airdrop.schedule'))");
      let fields: {
        kind: string;
        label: string;
        entryId: string | null;
        height: number | null;
        at: string | null;
        pool: bigint;
      };
      const exclusions = [...this.options.defaultExclusions];
      if ("scheduleEntryId" in input) {
        const entry = await this.options.schedule.get(input.scheduleEntryId, client);
        const { rows: cancelledEntry } = await client.query<{ cancelled: boolean }>(
          "SELECT cancelled FROM airdrop.schedule_entries WHERE id = $1",
          [entry.id],
        );
        if (cancelledEntry[0]?.cancelled) {
          throw new AppError("CONFLICT", `schedule entry ${entry.id} is cancelled: ${entry.reason}`);
        }
        // due, historical, or its last round failed or was cancelled (a re-run pays only the unpaid)
        const runnable =
          entry.status === "historical" ||
          entry.status === "failed" ||
          entry.status === "cancelled" ||
          (entry.status === "scheduled" && dueAt(entry.payoutDate) <= this.options.schedule.clock());
        if (!runnable && !input.dryRun) {
          throw new AppError(
            "CONFLICT",
            entry.status === "scheduled"
              ? `schedule entry ${entry.id} is not due until ${entry.payoutDate}`
              : `schedule entry ${entry.id} is ${entry.status} (round ${entry.roundId})`,
          );
        }
        fields = {
          kind: entry.kind,
          label: entry.label,
          entryId: entry.id,
          height: entry.snapshot.height,
          at: entry.snapshot.at,
          pool: BigInt(entry.pool),
        };
      } else {
        if (!input.dryRun) await assertEventBudget(client, input.pool, null);
        fields = {
          kind: "event",
          label: input.label,
          entryId: null,
          height: input.snapshotHeight,
          at: null,
          pool: input.pool,
        };
        for (const e of input.exclusions ?? []) exclusions.push(e);
      }
      if (fields.pool > this.options.roundCap) {
        throw new AppError(
          "CAP_EXCEEDED",
          `pool ${fields.pool} is above the per-round cap of ${this.options.roundCap} base units`,
        );
      }
      try {
        await client.query(
          `INSERT INTO airdrop.rounds (id, kind, label, schedule_entry_id, snapshot_height, snapshot_at, pool,
                                        min_holding_sun, status, status_reason, approvals_required, auto_approve, dry_run, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'computing', 'requesting the snapshot', $9, $10, $11, $12)`,
          [
            id,
            fields.kind,
            fields.label,
            fields.entryId,
            fields.height,
            fields.at,
            fields.pool,
            this.options.minHoldingSun,
            this.options.approvalsRequired,
            !input.dryRun &&
              (this.options.autoApprove === "all" ||
                (this.options.autoApprove === "schedule" && fields.entryId !== null)),
            input.dryRun ?? false,
            actor,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError("CONFLICT", `schedule entry ${fields.entryId} already has a live round`);
        }
        throw error;
      }
      const seen = new Set<string>();
      for (const e of exclusions) {
        if (seen.has(e.address)) continue;
        seen.add(e.address);
        await client.query(
          `INSERT INTO airdrop.round_exclusions (round_id, address, reason, added_by) VALUES ($1, $2, $3, $4)`,
          [id, e.address, e.reason, actor],
        );
      }
      await transition(
        client,
        { id, schedule_entry_id: fields.entryId, merkle_root: null },
        "computing",
        "requesting the snapshot",
        actor,
        { pool: fields.pool.toString(), snapshot: { height: fields.height, at: fields.at } },
      );
    });
    return this.get(id);
  }

  async get(id: string): Promise<RoundView> {
    const round = await loadRound(this.pool, id);
    return this.view(round);
  }

  async list(status: string | undefined, limit: number, cursor: string | undefined) {
    let after: { at: Date; id: string } | null = null;
    if (cursor !== undefined) {
      const [at, rid] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
      const date = new Date(String(at));
      if (!rid || Number.isNaN(date.getTime()))
        throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
      after = { at: date, id: rid };
    }
    const { rows } = await this.pool.query<RoundRow>(
      `SELECT * FROM airdrop.rounds
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    const items = await Promise.all(rows.slice(0, limit).map((r) => this.view(r)));
    const last = rows[Math.min(rows.length, limit) - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString("base64url")
          : null,
    };
  }

  /** Adds an exclusion before the first approval; the round is computed again. */
  async exclude(id: string, exclusion: { address: string; reason: string }, actor: string): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      if (round.status !== "computing" && round.status !== "computed") {
        throw new AppError(
          "CONFLICT",
          `round ${id} is ${round.status}; exclusions close at the first approval`,
        );
      }
      const { rowCount } = await client.query("SELECT 1 FROM airdrop.approvals WHERE round_id = $1", [id]);
      if (rowCount)
        throw new AppError("CONFLICT", `round ${id} already has an approval; exclusions are closed`);
      const inserted = await client.query(
        `INSERT INTO airdrop.round_exclusions (round_id, address, reason, added_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (round_id, address) DO NOTHING`,
        [id, exclusion.address, exclusion.reason, actor],
      );
      if (!inserted.rowCount)
        throw new AppError("CONFLICT", `${exclusion.address} is already excluded from round ${id}`);
      await audit(client, {
        roundId: id,
        actor,
        action: "round.exclusion",
        reason: exclusion.reason,
        details: exclusion,
      });
      await client.query("UPDATE airdrop.rounds SET computation = computation + 1 WHERE id = $1", [id]);
      await transition(client, round, "computing", `recomputing without ${exclusion.address}`, actor);
    });
  }

  async approve(id: string, merkleRoot: string, actor: string): Promise<RoundView> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      if (round.dry_run) throw new AppError("CONFLICT", `round ${id} is a dry run: it is never paid`);
      if (round.status !== "computed") {
        throw new AppError(
          "CONFLICT",
          `round ${id} is ${round.status}; only a computed round can be approved`,
        );
      }
      if (merkleRoot !== round.merkle_root) {
        throw new AppError(
          "STALE_ROOT",
          `round ${id}'s current Merkle root is ${round.merkle_root}, not ${merkleRoot}; review the table again`,
        );
      }
      const inserted = await client.query(
        `INSERT INTO airdrop.approvals (round_id, key_id, merkle_root) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [id, actor, merkleRoot],
      );
      if (!inserted.rowCount)
        throw new AppError("ALREADY_APPROVED", `key ${actor} already approved round ${id}`);
      await audit(client, { roundId: id, actor, action: "round.approval", details: { merkleRoot } });
      await this.maybeStartDistribution(client, round, actor);
    });
    return this.get(id);
  }

  /** The demo's policy: a computed round approves itself (only ever enabled on the devnet). */
  async autoApprove(id: string): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      if (round.status !== "computed" || !round.auto_approve) return;
      await client.query(
        `INSERT INTO airdrop.approvals (round_id, key_id, merkle_root) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [id, AUTO_APPROVER, round.merkle_root],
      );
      await audit(client, {
        roundId: id,
        actor: AUTO_APPROVER,
        action: "round.approval",
        reason: "devnet auto-approve policy",
        details: { merkleRoot: round.merkle_root },
      });
      await this.startDistribution(client, round, AUTO_APPROVER);
    });
  }

  private async maybeStartDistribution(client: PoolClient, round: RoundRow, actor: string): Promise<void> {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM airdrop.approvals WHERE round_id = $1 AND merkle_root = $2",
      [round.id, round.merkle_root],
    );
    if ((rows[0]?.n ?? 0) < round.approvals_required) return;
    await this.startDistribution(client, round, actor);
  }

  private async startDistribution(client: PoolClient, round: RoundRow, actor: string): Promise<void> {
    await transition(client, round, "approved", null, actor);
    const { rows } = await client.query<{ address: string; amount: bigint }>(
      `SELECT address, amount FROM airdrop.entitlements WHERE round_id = $1 AND paid_round_id IS NULL ORDER BY leaf_index`,
      [round.id],
    );
    if (rows.length === 0) {
      await transition(client, round, "completed", "every recipient was already paid", actor);
      return;
    }
    await this.options.payouts.enqueue(
      client,
      round.id,
      rows.map((r) => ({ id: paymentIdFor(round.id, r.address), recipient: r.address, amount: r.amount })),
    );
    await transition(client, round, "distributing", null, actor, { payments: rows.length });
  }

  async pause(id: string, reason: string, actor: string): Promise<RoundView> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      if (round.status !== "distributing") {
        throw new AppError(
          "CONFLICT",
          `round ${id} is ${round.status}; only a distributing round can be paused`,
        );
      }
      await this.options.payouts.pause(id, reason);
      await transition(client, round, "paused", reason, actor);
    });
    return this.get(id);
  }

  async resume(id: string, reason: string, actor: string): Promise<RoundView> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      if (round.status !== "paused") {
        throw new AppError("CONFLICT", `round ${id} is ${round.status}; only a paused round can be resumed`);
      }
      await this.options.payouts.resume(id);
      await transition(client, round, "distributing", null, actor, { reason });
    });
    return this.get(id);
  }

  async cancel(id: string, reason: string, actor: string): Promise<RoundView> {
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      const before: RoundStatus[] = ["computing", "computed", "approved"];
      if (before.includes(round.status)) {
        await transition(client, round, "cancelled", reason, actor);
        return;
      }
      if (round.status !== "distributing" && round.status !== "paused") {
        throw new AppError("CONFLICT", `round ${id} is ${round.status}; it cannot be cancelled`);
      }
      await this.options.payouts.cancel(id, reason);
      await transition(client, round, "cancelling", reason, actor);
    });
    await this.sync(id);
    return this.get(id);
  }

  /** Mirrors the payout batch into the round: completed, paused by a budget guard, cancelled. */
  async sync(id: string): Promise<void> {
    const progress = await this.options.payouts.progress(id);
    if (!progress) return;
    await withTransaction(this.pool, async (client) => {
      const round = await loadRound(client, id, true);
      const next = nextStatus(round.status, progress);
      if (next && (next.status !== round.status || next.reason !== round.status_reason)) {
        await transition(client, round, next.status, next.reason, "payout-engine", {
          confirmed: progress.confirmed,
          failed: progress.failed,
        });
      }
    });
  }

  async auditLog(id: string) {
    await loadRound(this.pool, id);
    const { rows } = await this.pool.query<{
      seq: bigint;
      actor: string;
      action: string;
      reason: string | null;
      details: unknown;
      at: Date;
    }>(
      "SELECT seq, actor, action, reason, details, at FROM airdrop.audit_log WHERE round_id = $1 ORDER BY seq",
      [id],
    );
    return {
      items: rows.map((r) => ({
        seq: Number(r.seq),
        who: r.actor,
        action: r.action,
        why: r.reason,
        at: r.at.toISOString(),
        details: r.details ?? null,
      })),
    };
  }

  async view(round: RoundRow): Promise<RoundView> {
    const [exclusions, approvals, progress] = await Promise.all([
      this.pool.query<{ address: string; reason: string; holding: bigint }>(
        "SELECT address, reason, holding FROM airdrop.round_exclusions WHERE round_id = $1 ORDER BY added_at, address",
        [round.id],
      ),
      this.pool.query<{ key_id: string; at: Date; merkle_root: string }>(
        "SELECT key_id, at, merkle_root FROM airdrop.approvals WHERE round_id = $1 ORDER BY at",
        [round.id],
      ),
      this.options.payouts.progress(round.id),
    ]);
    return roundView(round, exclusions.rows, approvals.rows, progress);
  }
}

export function paymentIdFor(roundId: string, address: string): string {
  return uuidFrom(`airdrop:${roundId}:${address}`);
}

function nextStatus(
  status: RoundStatus,
  progress: BatchProgress,
): { status: RoundStatus; reason: string | null } | null {
  switch (progress.state) {
    case "completed":
      if (status !== "distributing" && status !== "paused") return null;
      // a transfer that failed for good (on chain, or out of attempts) is not paid: the round says
      // so, and a re-run of its entry pays exactly the recipients still unpaid
      return progress.failed > 0
        ? {
            status: "failed",
            reason: `${progress.failed} transfer(s) failed and were not paid; re-run the entry to pay them`,
          }
        : { status: "completed", reason: null };
    case "cancelled":
      return status === "cancelling" || status === "distributing" || status === "paused"
        ? { status: "cancelled", reason: progress.stateReason }
        : null;
    case "paused":
      // a budget guard paused the batch: the round says why
      return status === "distributing" || status === "paused"
        ? { status: "paused", reason: progress.stateReason }
        : null;
    default:
      return null;
  }
}

export type RoundView = ReturnType<typeof roundView>;

function roundView(
  r: RoundRow,
  exclusions: { address: string; reason: string; holding: bigint }[],
  approvals: { key_id: string; at: Date; merkle_root: string }[],
  progress: BatchProgress | null,
) {
  const recipients = r.recipients ?? 0;
  return {
    id: r.id,
    kind: r.kind,
    label: r.label,
    scheduleEntryId: r.schedule_entry_id,
    snapshotHeight: r.snapshot_height === null ? null : Number(r.snapshot_height),
    snapshotAt: r.snapshot_at?.toISOString() ?? null,
    snapshotBlockId: r.snapshot_block_id,
    snapshotContentHash: r.snapshot_content_hash,
    pool: r.pool.toString(),
    eligibleTotal: r.eligible_total?.toString() ?? null,
    minHoldingSun: r.min_holding_sun.toString(),
    exclusions: exclusions.map((e) => ({
      address: e.address,
      reason: e.reason,
      holding: e.holding.toString(),
    })),
    ratio:
      r.ratio_numerator === null
        ? null
        : { numerator: r.ratio_numerator, denominator: r.ratio_denominator, decimal: r.ratio_decimal },
    recipients,
    distributed: r.distributed?.toString() ?? null,
    undistributed: r.undistributed?.toString() ?? null,
    merkleRoot: r.merkle_root,
    status: r.status,
    statusReason: r.status_reason,
    dryRun: r.dry_run,
    approvals: approvals
      .filter((a) => a.merkle_root === r.merkle_root)
      .map((a) => ({ keyId: a.key_id, at: a.at.toISOString() })),
    approvalsRequired: r.auto_approve ? 1 : r.approvals_required,
    feeEstimate: {
      bandwidthBytes: r.fee_bandwidth_bytes?.toString() ?? null,
      trxBurnSun: r.fee_trx_burn_sun?.toString() ?? null,
    },
    progress: {
      recipients,
      alreadyPaid: r.already_paid,
      confirmed: (progress?.confirmed ?? 0) + r.already_paid,
      pending: (progress?.pending ?? 0) + (progress?.inFlight ?? 0),
      inFlight: progress?.inFlight ?? 0,
      failed: progress?.failed ?? 0,
      paid: (progress?.confirmedAmount ?? 0n).toString(),
    },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
