import { type Pool, uuidFrom, withTransaction } from "@btt/shared/db";
import { enqueueOutbox, type OutgoingEvent } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import { minAmount } from "@btt/shared/money";
import cron, { type ScheduledTask } from "node-cron";
import { type Posting, SYSTEM } from "../domain/accounts.js";
import { type RewardCaps, splitRewards } from "../domain/rewards.js";
import { EPOCH_LOCK_KEY, OUTBOX } from "../ledger/apply-commands.js";
import { WorkingSet } from "../ledger/working-set.js";

/**
 * Closes seeding-reward epochs on a node-cron schedule. An epoch covers the journal rows written
 * since the previous epoch's last row: closing takes the epoch lock exclusively, which every
 * transaction writing vouchers holds shared until it commits, so no voucher is in flight when the
 * boundary is read and none falls between two epochs. The budget is the configured epoch budget,
 * at most what the rewards pool holds; the split is exact (domain/rewards.ts) and paid as one
 * journal entry. Each tick time closes at most one epoch, whatever the number of replicas.
 */

export interface RewardEpochOptions {
  pool: Pool;
  logger: Logger;
  budget: bigint;
  caps: RewardCaps;
  cronExpression: string;
  clock?: () => Date;
}

export interface ClosedEpoch {
  id: string;
  budget: bigint;
  distributed: bigint;
  payees: number;
}

export class RewardEpochs {
  private task: ScheduledTask | null = null;
  private readonly clock: () => Date;

  constructor(private readonly options: RewardEpochOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Closes the epoch ending at `endsAt` (a tick time, to the second); null if already closed. */
  async close(endsAt: Date = this.clock()): Promise<ClosedEpoch | null> {
    const tick = new Date(Math.floor(endsAt.getTime() / 1000) * 1000);
    return withTransaction(this.options.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [EPOCH_LOCK_KEY]);
      const last = await client.query<{ last_seq: bigint; ends_at: Date }>(
        `SELECT last_seq, ends_at FROM reward_epochs ORDER BY id DESC LIMIT 1`,
      );
      const previous = last.rows[0];
      if (previous && previous.ends_at.getTime() >= tick.getTime()) return null;
      const head = await client.query<{ seq: bigint | null; first_at: Date | null }>(
        `SELECT max(seq) AS seq, min(at) AS first_at FROM journal`,
      );
      const firstSeq = previous?.last_seq ?? 0n;
      const lastSeq = head.rows[0]?.seq ?? 0n;
      const startsAt = previous?.ends_at ?? head.rows[0]?.first_at ?? tick;
      const { rows: pairs } = await client.query<{ payer: string; payee: string; paid: string }>(
        `SELECT c.payer, c.payee, sum(j.amount)::text AS paid
           FROM journal j JOIN channels c ON c.id::text = j.ref
          WHERE j.kind = 'voucher' AND j.amount > 0 AND j.seq > $1 AND j.seq <= $2
          GROUP BY c.payer, c.payee`,
        [String(firstSeq), String(lastSeq)],
      );
      // One working set: the pool and every payee that may be paid, locked together in the fixed order.
      const set = await WorkingSet.load(client, [SYSTEM.rewards, ...pairs.map((p) => p.payee)]);
      const poolBalance = set.account(SYSTEM.rewards).available;
      const budget = minAmount(this.options.budget, poolBalance);
      const split = splitRewards(
        budget,
        pairs.map((p) => ({ payer: p.payer, payee: p.payee, paid: BigInt(p.paid) })),
        this.options.caps,
      );
      const payees = [...split.payouts.keys()];
      let entryId: bigint | null = null;
      const ref = `epoch:${tick.toISOString()}`;
      if (split.distributed > 0n) {
        const postings: Posting[] = [
          { account: SYSTEM.rewards, bucket: "available", amount: -split.distributed },
          ...[...split.payouts].map(([payee, amount]) => ({
            account: payee,
            bucket: "available" as const,
            amount,
          })),
        ];
        set.post("reward", ref, postings);
        entryId = (await set.flush())[0] ?? null;
      }
      const inserted = await client.query<{ id: bigint }>(
        `INSERT INTO reward_epochs (starts_at, ends_at, first_seq, last_seq, budget, distributed, entry_id, weights, payouts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          startsAt,
          tick,
          String(firstSeq),
          String(lastSeq),
          String(budget),
          String(split.distributed),
          entryId === null ? null : String(entryId),
          JSON.stringify([...split.weights].map(([payee, weight]) => ({ payee, weight: String(weight) }))),
          JSON.stringify([...split.payouts].map(([payee, amount]) => ({ payee, amount: String(amount) }))),
        ],
      );
      const id = String(inserted.rows[0]?.id);
      const events: OutgoingEvent[] = payees.map((payee) => {
        const b = set.account(payee);
        return {
          topic: "speed.events",
          key: payee,
          event: "balance.changed@1",
          id: uuidFrom(`speed-reward:${id}:${payee}`),
          payload: {
            account: payee,
            available: String(b.available),
            locked: String(b.locked),
            cause: `seeding reward, epoch ${id}`,
          },
        };
      });
      await enqueueOutbox(client, OUTBOX, events, { skipExisting: true });
      this.options.logger.info(
        { epoch: id, budget: String(budget), distributed: String(split.distributed), payees: payees.length },
        "reward epoch closed",
      );
      return { id, budget, distributed: split.distributed, payees: payees.length };
    });
  }

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(this.options.cronExpression, async () => {
      try {
        await this.close(this.clock());
      } catch (error) {
        this.options.logger.error({ err: error }, "closing the reward epoch failed");
      }
    });
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
  }
}
