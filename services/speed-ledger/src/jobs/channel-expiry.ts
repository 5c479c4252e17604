import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, uuidFrom, withTransaction } from "@btt/shared/db";
import { enqueueOutbox, type OutgoingEvent } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import { closeChannel } from "../domain/rules.js";
import { OUTBOX } from "../ledger/apply-commands.js";
import { WorkingSet } from "../ledger/working-set.js";

/**
 * Closes channels that stayed open `graceMs` past their `expiresAt` (the payee's last vouchers
 * may still be in flight right at expiry): the unspent lock returns to the payer, status
 * `expired`. Rows are locked and re-read in the closing transaction, so a close or voucher that
 * won the race is respected.
 */
export class ChannelExpiry {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: {
      pool: Pool;
      logger: Logger;
      graceMs: number;
      intervalMs?: number;
      batchSize?: number;
      clock?: () => Date;
    },
  ) {}

  /** One pass; returns the number of channels expired. */
  async tick(): Promise<number> {
    const now = (this.options.clock ?? (() => new Date()))();
    const cutoff = new Date(now.getTime() - this.options.graceMs);
    const { rows } = await this.options.pool.query<{ id: string; payer: string }>(
      `SELECT id, payer FROM channels WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [cutoff, this.options.batchSize ?? 200],
    );
    if (rows.length === 0) return 0;
    return withTransaction(this.options.pool, async (client) => {
      const set = await WorkingSet.load(
        client,
        rows.map((r) => r.payer),
        rows.map((r) => r.id),
      );
      const events: OutgoingEvent[] = [];
      let expired = 0;
      for (const { id } of rows) {
        const channel = set.channel(id);
        if (channel?.status !== "open" || channel.expiresAtMs > cutoff.getTime()) continue;
        const decision = closeChannel(channel, "expired", "system:expiry");
        if (decision.entry) set.post(decision.entry.kind, decision.entry.ref, decision.entry.postings);
        if (decision.channel) set.changeChannel(decision.channel);
        expired += 1;
        const b = set.account(channel.payer);
        events.push({
          topic: "speed.events",
          key: channel.payer,
          event: "balance.changed@1",
          id: uuidFrom(`speed-expire:${id}`),
          payload: {
            account: channel.payer,
            available: String(b.available),
            locked: String(b.locked),
            cause: `channel ${id} expired`,
          },
        });
      }
      await set.flush();
      await enqueueOutbox(client, OUTBOX, events, { skipExisting: true });
      if (expired > 0) this.options.logger.info({ expired }, "expired channels closed");
      return expired;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let expired = 0;
        try {
          expired = await this.tick();
        } catch (error) {
          this.options.logger.warn({ err: error }, "closing expired channels failed");
        }
        if (expired === 0)
          await sleep(this.options.intervalMs ?? 5_000, undefined, { signal: this.abort.signal }).catch(
            () => {},
          );
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }
}
