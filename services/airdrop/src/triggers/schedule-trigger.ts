import type { Pool } from "@btt/shared/db";
import type { Logger } from "@btt/shared/logger";
import cron, { type ScheduledTask } from "node-cron";
import type { RoundService } from "../rounds/round-service.js";

/**
 * Fires due schedule entries: a node-cron tick looks for entries that are neither historical nor
 * cancelled, whose payout date has come, and that have no round yet; it starts one round for each.
 * Several replicas may tick: only the one holding the advisory lock acts, and the round itself
 * (one live round per entry, a unique index) makes each entry fire once. A tick missed while the service was down is caught up by the tick run at start.
 * Time is injected (`clock`), so tests drive it without waiting.
 */
export class ScheduleTrigger {
  private task: ScheduledTask | null = null;

  constructor(
    private readonly deps: {
      pool: Pool;
      rounds: RoundService;
      logger: Logger;
      clock: () => Date;
      cronExpression: string;
      onFired?: () => void;
    },
  ) {}

  /** One tick; returns the ids of the entries it fired (empty when another replica holds the lock). */
  async tick(): Promise<string[]> {
    const now = this.deps.clock();
    const client = await this.deps.pool.connect();
    const fired: string[] = [];
    try {
      const { rows: lock } = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('airdrop.trigger')) AS ok",
      );
      if (!lock[0]?.ok) return [];
      try {
        // an entry with any round (live, completed, cancelled or failed) never fires again by itself
        const { rows } = await client.query<{ id: string }>(
          `SELECT e.id FROM airdrop.schedule_entries e
            WHERE NOT e.historical AND NOT e.cancelled
              AND e.payout_date::timestamp AT TIME ZONE 'UTC' <= $1
              AND NOT EXISTS (SELECT 1 FROM airdrop.rounds r WHERE r.schedule_entry_id = e.id)
            ORDER BY e.payout_date, e.id`,
          [now],
        );
        for (const { id } of rows) {
          try {
            const round = await this.deps.rounds.create({ scheduleEntryId: id }, "scheduler");
            await client.query("UPDATE airdrop.schedule_entries SET fired_at = $2 WHERE id = $1", [id, now]);
            fired.push(id);
            this.deps.logger.info({ entryId: id, roundId: round.id }, "schedule entry fired");
          } catch (error) {
            this.deps.logger.error({ entryId: id, err: error }, "schedule entry could not start its round");
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('airdrop.trigger'))");
      }
    } finally {
      client.release();
    }
    if (fired.length > 0) this.deps.onFired?.();
    return fired;
  }

  /** Catches up once, then ticks on the cron expression. */
  async start(): Promise<void> {
    await this.tick();
    this.task = cron.schedule(
      this.deps.cronExpression,
      async () => {
        try {
          await this.tick();
        } catch (error) {
          this.deps.logger.error({ err: error }, "schedule trigger tick failed");
        }
      },
      { name: "airdrop-schedule", noOverlap: true },
    );
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
  }
}
