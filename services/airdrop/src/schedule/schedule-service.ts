import { randomUUID } from "node:crypto";
import { type Pool, type PoolClient, withTransaction } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { enqueueOutbox, outboxTableFor } from "@btt/shared/kafka";
import {
  defaultSchedule,
  EVENT_BUDGET,
  type ScheduleEntryData,
  type ScheduleKind,
} from "../domain/schedule.js";

/**
 * The schedule as data (TOKENOMICS.md): seeded once from the default schedule, then edited by
 * operators. Every change bumps the schedule version, is logged with who/when/why/notice given
 * and is published on `airdrop.events` in the same transaction. Entries dated before this
 * deployment's first start are `historical`: the trigger never fires them.
 */

const OUTBOX = outboxTableFor("airdrop");
const DAY_MS = 86_400_000;

export interface ScheduleEntryView {
  id: string;
  kind: ScheduleKind;
  label: string;
  payoutDate: string;
  snapshot: { height: number | null; at: string | null };
  pool: string;
  status: string;
  overdue: boolean;
  roundId: string | null;
  reason: string | null;
}

interface EntryRow {
  id: string;
  kind: ScheduleKind;
  label: string;
  payout_date: string;
  snapshot_height: bigint | null;
  snapshot_at: Date | null;
  pool: bigint;
  historical: boolean;
  cancelled: boolean;
  cancel_reason: string | null;
  round_id: string | null;
  round_status: string | null;
  round_reason: string | null;
}

/** Round status → entry status (API.md "Entry status"). */
const ENTRY_STATUS_OF_ROUND: Record<string, string> = {
  computing: "snapshotting",
  computed: "computed",
  approved: "approved",
  distributing: "distributing",
  paused: "paused",
  completed: "completed",
  cancelling: "cancelling",
  cancelled: "cancelled",
  failed: "failed",
};

/** Midnight UTC at the start of the payout date: when an entry is due. */
export function dueAt(payoutDate: string): Date {
  return new Date(`${payoutDate}T00:00:00.000Z`);
}

function entryView(row: EntryRow, now: Date): ScheduleEntryView {
  let status: string;
  let reason: string | null = null;
  if (row.cancelled) {
    status = "cancelled";
    reason = row.cancel_reason;
  } else if (row.round_status) {
    status = ENTRY_STATUS_OF_ROUND[row.round_status] ?? row.round_status;
    reason = row.round_reason;
  } else {
    status = row.historical ? "historical" : "scheduled";
  }
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    payoutDate: row.payout_date,
    snapshot: {
      height: row.snapshot_height === null ? null : Number(row.snapshot_height),
      at: row.snapshot_at?.toISOString() ?? null,
    },
    pool: row.pool.toString(),
    status,
    overdue: status === "scheduled" && now.getTime() >= dueAt(row.payout_date).getTime(),
    roundId: row.round_id,
    reason,
  };
}

const ENTRY_SELECT = `
  SELECT e.id, e.kind, e.label, to_char(e.payout_date, 'YYYY-MM-DD') AS payout_date, e.snapshot_height,
         e.snapshot_at, e.pool, e.historical, e.cancelled, e.cancel_reason,
         r.id AS round_id, r.status AS round_status, r.status_reason AS round_reason
    FROM airdrop.schedule_entries e
    LEFT JOIN LATERAL (SELECT id, status, status_reason FROM airdrop.rounds
                        WHERE schedule_entry_id = e.id AND NOT dry_run
                        ORDER BY created_at DESC, id DESC LIMIT 1) r ON true`;

export interface ScheduleServiceOptions {
  pool: Pool;
  noticeDays: number;
  clock?: () => Date;
}

export interface NewEntryInput {
  kind: "event" | "monthly";
  label: string;
  payoutDate: string;
  snapshot: { height: number | null; at: string | null };
  pool: bigint;
  reason?: string;
  force?: boolean;
}

export interface EntryPatch {
  pool?: bigint;
  payoutDate?: string;
  snapshot?: { height: number | null; at: string | null };
  status?: "cancelled";
  reason: string;
  force?: boolean;
}

export class ScheduleService {
  private readonly pool: Pool;
  private readonly noticeDays: number;
  readonly clock: () => Date;

  constructor(options: ScheduleServiceOptions) {
    this.pool = options.pool;
    this.noticeDays = options.noticeDays;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Records this deployment's first start (once) and seeds the default schedule (once): entries
   * dated before the first start are historical. Safe to run on every replica at every start.
   */
  async ensureSeeded(): Promise<{ firstStartedAt: Date; seeded: boolean }> {
    return withTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airdrop.schedule'))");
      const now = this.clock();
      await client.query(
        "INSERT INTO airdrop.deployment (id, first_started_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        [now],
      );
      const { rows } = await client.query<{ first_started_at: Date }>(
        "SELECT first_started_at FROM airdrop.deployment WHERE id = 1",
      );
      const firstStartedAt = (rows[0] as { first_started_at: Date }).first_started_at;
      const existing = await client.query("SELECT 1 FROM airdrop.schedule_changes LIMIT 1");
      if (existing.rowCount) return { firstStartedAt, seeded: false };
      const entries = defaultSchedule();
      for (const entry of entries) {
        await insertEntry(client, randomUUID(), entry, dueAt(entry.payoutDate) < firstStartedAt);
      }
      await this.logChange(client, {
        entryId: null,
        action: "seeded",
        actor: "system",
        reason: `default schedule of TOKENOMICS.md: ${entries.length} entries`,
        forced: false,
        noticeDays: null,
        before: null,
        after: null,
      });
      return { firstStartedAt, seeded: true };
    });
  }

  async list(): Promise<{ version: number; entries: ScheduleEntryView[] }> {
    const now = this.clock();
    const [{ rows }, version] = await Promise.all([
      this.pool.query<EntryRow>(`${ENTRY_SELECT} ORDER BY e.payout_date, e.created_at, e.id`),
      this.version(this.pool),
    ]);
    return { version, entries: rows.map((r) => entryView(r, now)) };
  }

  async get(id: string, client: Pick<PoolClient, "query"> = this.pool): Promise<ScheduleEntryView> {
    const { rows } = await client.query<EntryRow>(`${ENTRY_SELECT} WHERE e.id = $1`, [id]);
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `no schedule entry ${id}`);
    return entryView(row, this.clock());
  }

  async changes(limit: number, cursor: string | undefined) {
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0)
      throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
    const { rows } = await this.pool.query<{
      seq: bigint;
      version: number;
      entry_id: string | null;
      action: string;
      actor: string;
      reason: string;
      forced: boolean;
      notice_days: number | null;
      before: unknown;
      after: unknown;
      at: Date;
    }>("SELECT * FROM airdrop.schedule_changes WHERE seq > $1 ORDER BY seq LIMIT $2", [after, limit + 1]);
    const items = rows.slice(0, limit).map((r) => ({
      seq: Number(r.seq),
      version: r.version,
      entryId: r.entry_id,
      action: r.action,
      who: r.actor,
      at: r.at.toISOString(),
      why: r.reason,
      forced: r.forced,
      noticeDays: r.notice_days,
      before: r.before,
      after: r.after,
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? String(last.seq) : null };
  }

  async add(input: NewEntryInput, actor: string): Promise<ScheduleEntryView> {
    const now = this.clock();
    validateEntryShape(input.payoutDate, input.snapshot, now);
    const noticeDays = this.checkNotice([input.payoutDate], input.force ?? false, now);
    return withTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airdrop.schedule'))");
      if (input.kind === "event") await assertEventBudget(client, input.pool, null);
      const id = randomUUID();
      await insertEntry(client, id, { ...input }, false);
      const entry = await this.get(id, client);
      await this.logChange(client, {
        entryId: id,
        action: "created",
        actor,
        reason: input.reason ?? "new entry",
        forced: input.force ?? false,
        noticeDays,
        before: null,
        after: entry,
      });
      return entry;
    });
  }

  async edit(id: string, patch: EntryPatch, actor: string): Promise<ScheduleEntryView> {
    const now = this.clock();
    return withTransaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('airdrop.schedule'))");
      const before = await this.get(id, client);
      if (before.status === "cancelled") throw new AppError("CONFLICT", `entry ${id} is cancelled`);
      const live = before.roundId !== null && !["failed", "cancelled"].includes(before.status);
      if (live) {
        throw new AppError(
          "CONFLICT",
          `entry ${id} has a ${before.status} round (${before.roundId}); cancel the round before changing the entry`,
        );
      }
      const payoutDate = patch.payoutDate ?? before.payoutDate;
      const snapshot = patch.snapshot ?? before.snapshot;
      if (patch.payoutDate !== undefined || patch.snapshot !== undefined) {
        validateEntryShape(payoutDate, snapshot, now, patch.payoutDate === undefined);
      }
      const noticeDays = this.checkNotice(
        [...new Set([before.payoutDate, payoutDate])],
        patch.force ?? false,
        now,
      );
      const pool = patch.pool ?? BigInt(before.pool);
      if (before.kind === "event" && patch.pool !== undefined) await assertEventBudget(client, pool, id);
      if (patch.status === "cancelled") {
        await client.query(
          `UPDATE airdrop.schedule_entries SET cancelled = true, cancel_reason = $2, updated_at = now() WHERE id = $1`,
          [id, patch.reason],
        );
      }
      await client.query(
        `UPDATE airdrop.schedule_entries
            SET pool = $2, payout_date = $3::date, snapshot_height = $4, snapshot_at = $5, updated_at = now()
          WHERE id = $1`,
        [id, pool, payoutDate, snapshot.height, snapshot.at],
      );
      const after = await this.get(id, client);
      await this.logChange(client, {
        entryId: id,
        action: patch.status === "cancelled" ? "cancelled" : "updated",
        actor,
        reason: patch.reason,
        forced: patch.force ?? false,
        noticeDays,
        before,
        after,
      });
      return after;
    });
  }

  /** Whole days from now to the nearest affected payout date; NOTICE_PERIOD inside the period unless forced. */
  private checkNotice(dates: string[], force: boolean, now: Date): number {
    const days = Math.min(...dates.map((d) => Math.floor((dueAt(d).getTime() - now.getTime()) / DAY_MS)));
    if (days < this.noticeDays && !force) {
      throw new AppError(
        "NOTICE_PERIOD",
        `a payout date (${dates.join(", ")}) is less than the ${this.noticeDays}-day notice period away; repeat with "force": true and a reason to change it anyway`,
      );
    }
    return days;
  }

  async version(client: Pick<PoolClient, "query">): Promise<number> {
    const { rows } = await client.query<{ v: number | null }>(
      "SELECT max(version) AS v FROM airdrop.schedule_changes",
    );
    return rows[0]?.v ?? 0;
  }

  private async logChange(
    client: PoolClient,
    change: {
      entryId: string | null;
      action: "seeded" | "created" | "updated" | "cancelled";
      actor: string;
      reason: string;
      forced: boolean;
      noticeDays: number | null;
      before: unknown;
      after: unknown;
    },
  ): Promise<void> {
    const version = (await this.version(client)) + 1;
    const { rows } = await client.query<{ at: Date }>(
      `INSERT INTO airdrop.schedule_changes (version, entry_id, action, actor, reason, forced, notice_days, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING at`,
      [
        version,
        change.entryId,
        change.action,
        change.actor,
        change.reason,
        change.forced,
        change.noticeDays,
        change.before === null ? null : JSON.stringify(change.before),
        change.after === null ? null : JSON.stringify(change.after),
      ],
    );
    await client.query(
      `INSERT INTO airdrop.audit_log (entry_id, actor, action, reason, details) VALUES ($1, $2, $3, $4, $5)`,
      [
        change.entryId,
        change.actor,
        `schedule.${change.action}`,
        change.reason,
        JSON.stringify({ version, forced: change.forced }),
      ],
    );
    await enqueueOutbox(client, OUTBOX, [
      {
        topic: "airdrop.events",
        event: "schedule.changed@1",
        key: change.entryId ?? "schedule",
        payload: {
          version,
          entryId: change.entryId,
          action: change.action,
          actor: change.actor,
          reason: change.reason,
          forced: change.forced,
          noticeDays: change.noticeDays,
          entry: (change.after as Record<string, unknown> | null) ?? null,
          at: (rows[0] as { at: Date }).at.toISOString(),
        },
      },
    ]);
  }
}

function validateEntryShape(
  payoutDate: string,
  snapshot: { height: number | null; at: string | null },
  now: Date,
  dateUnchanged = false,
): void {
  if ((snapshot.height === null) === (snapshot.at === null)) {
    throw new AppError("VALIDATION_FAILED", "snapshot needs exactly one of height and at", {
      details: [{ path: "snapshot", message: "exactly one of height and at" }],
    });
  }
  if (!dateUnchanged && dueAt(payoutDate).getTime() < now.getTime() - DAY_MS) {
    throw new AppError("DOMAIN_RULE", `payout date ${payoutDate} is in the past`);
  }
  if (snapshot.at !== null && new Date(snapshot.at).getTime() > dueAt(payoutDate).getTime() + DAY_MS) {
    throw new AppError("DOMAIN_RULE", "the snapshot must be taken no later than the payout date");
  }
}

async function insertEntry(
  client: PoolClient,
  id: string,
  entry: ScheduleEntryData | NewEntryInput,
  historical: boolean,
): Promise<void> {
  await client.query(
    `INSERT INTO airdrop.schedule_entries (id, kind, label, payout_date, snapshot_height, snapshot_at, pool, historical)
     VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8)`,
    [
      id,
      entry.kind,
      entry.label,
      entry.payoutDate,
      entry.snapshot.height,
      entry.snapshot.at,
      entry.pool,
      historical,
    ],
  );
}

/**
 * Event entries and event rounds draw from the event budget (10.1 % of supply): the live total
 * (entries not cancelled, plus event rounds run directly) must stay within it.
 */
export async function assertEventBudget(
  client: Pick<PoolClient, "query">,
  additional: bigint,
  replacingEntryId: string | null,
): Promise<void> {
  const { rows } = await client.query<{ used: string }>(
    `SELECT (COALESCE((SELECT sum(pool) FROM airdrop.schedule_entries
                        WHERE kind = 'event' AND NOT cancelled AND id IS DISTINCT FROM $1), 0)
           + COALESCE((SELECT sum(pool) FROM airdrop.rounds
                        WHERE kind = 'event' AND schedule_entry_id IS NULL AND NOT dry_run
                          AND status NOT IN ('cancelled', 'failed')), 0)
           )::text AS used`,
    [replacingEntryId],
  );
  const used = BigInt(rows[0]?.used ?? "0");
  if (used + additional > EVENT_BUDGET) {
    throw new AppError(
      "BUDGET_EXCEEDED",
      `the event budget is ${EVENT_BUDGET} base units; ${used} is committed, ${additional} more would exceed it by ${used + additional - EVENT_BUDGET}`,
    );
  }
}
