import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, uuidFrom, withTransaction } from "@btt/shared/db";
import { enqueueOutbox, type OutgoingEvent } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import { SYSTEM } from "../domain/accounts.js";
import { OUTBOX } from "../ledger/apply-commands.js";
import { WorkingSet } from "../ledger/working-set.js";
import { WITHDRAWALS_BATCH } from "./payouts.js";

/**
 * Follows each reserved withdrawal's payment in the payout engine's tables (same schema) and
 * settles it: `broadcast` once an attempt is signed and sent, then either posted (the transfer
 * is confirmed on a solidified block: withdrawals in flight → custody) or voided and refunded
 * (the engine failed or cancelled the payment: withdrawals in flight → the user's available
 * balance). Each settlement is one transaction with its journal entry and events; the
 * withdrawal row is locked and re-read first, so two settlers never settle one twice.
 */

export interface SettlerOptions {
  pool: Pool;
  logger: Logger;
  pollMs?: number;
  /** While reconciliation halts withdrawals, the batch is kept paused. */
  pause: (reason: string) => Promise<void>;
}

interface Pending {
  id: string;
  account: string;
  amount: bigint;
  status: "reserved" | "broadcast";
  payment_status: string;
  block_number: bigint | null;
  last_error: string | null;
}

export class WithdrawalSettler {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly options: SettlerOptions) {}

  /** One pass; returns the number of withdrawals whose state changed. */
  async tick(): Promise<number> {
    const { pool } = this.options;
    await this.enforceHalt();
    const { rows } = await pool.query<Pending>(
      `SELECT w.id, w.account, w.amount, w.status, p.status AS payment_status, p.block_number, p.last_error
         FROM withdrawals w JOIN payments p ON p.id = w.id
        WHERE w.status IN ('reserved', 'broadcast')
          AND (p.status IN ('confirmed', 'failed', 'cancelled') OR (p.status = 'in_flight' AND w.status = 'reserved'))
        ORDER BY w.created_at LIMIT 200`,
    );
    let changed = 0;
    for (const w of rows) if (await this.settle(w.id)) changed += 1;
    return changed;
  }

  private async enforceHalt(): Promise<void> {
    const { rows } = await this.options.pool.query<{
      halted: boolean;
      halt_reason: string | null;
      state: string | null;
    }>(
      `SELECT r.halted, r.halt_reason, b.state FROM reconciliation r
         LEFT JOIN payout_batches b ON b.id = $1 WHERE r.id = 1`,
      [WITHDRAWALS_BATCH],
    );
    const r = rows[0];
    if (r?.halted && r.state === "active") await this.options.pause(r.halt_reason ?? "reconciliation drift");
  }

  private async settle(id: string): Promise<boolean> {
    return withTransaction(this.options.pool, async (client) => {
      const { rows } = await client.query<Pending & { to_address: string }>(
        `SELECT w.id, w.account, w.amount, w.status, w.to_address, p.status AS payment_status, p.block_number, p.last_error
           FROM withdrawals w JOIN payments p ON p.id = w.id WHERE w.id = $1 FOR UPDATE OF w`,
        [id],
      );
      const w = rows[0];
      if (!w || (w.status !== "reserved" && w.status !== "broadcast")) return false;
      const txs = await client.query<{ tx_id: string }>(
        `SELECT tx_id FROM payment_attempts WHERE payment_id = $1 ORDER BY attempt`,
        [id],
      );
      const txIds = txs.rows.map((r) => r.tx_id);
      const events: OutgoingEvent[] = [];
      const state = (status: "broadcast" | "confirmed" | "voided", reason: string | null): OutgoingEvent => ({
        topic: "speed.events",
        key: w.account,
        event: "withdrawal.state@1",
        id: uuidFrom(`speed-withdrawal:${id}:${status}`),
        payload: { withdrawalId: id, account: w.account, status, txIds, reason },
      });
      if (w.payment_status === "in_flight") {
        await client.query(`UPDATE withdrawals SET status = 'broadcast', updated_at = now() WHERE id = $1`, [
          id,
        ]);
        events.push(state("broadcast", null));
      } else if (w.payment_status === "confirmed") {
        const set = await WorkingSet.load(client, [SYSTEM.custody, SYSTEM.withdrawals]);
        set.post("withdrawal.post", id, [
          { account: SYSTEM.withdrawals, bucket: "available", amount: -w.amount },
          { account: SYSTEM.custody, bucket: "available", amount: w.amount },
        ]);
        await set.flush();
        await client.query(
          `UPDATE withdrawals SET status = 'confirmed', block_number = $2, updated_at = now() WHERE id = $1`,
          [id, w.block_number === null ? null : String(w.block_number)],
        );
        events.push(state("confirmed", null));
        this.options.logger.info(
          { withdrawalId: id, txIds, block: String(w.block_number) },
          "withdrawal confirmed",
        );
      } else if (w.payment_status === "failed" || w.payment_status === "cancelled") {
        const reason = w.last_error ?? `the payment was ${w.payment_status}`;
        const set = await WorkingSet.load(client, [w.account, SYSTEM.withdrawals]);
        set.post("withdrawal.void", id, [
          { account: SYSTEM.withdrawals, bucket: "available", amount: -w.amount },
          { account: w.account, bucket: "available", amount: w.amount },
        ]);
        await set.flush();
        await client.query(
          `UPDATE withdrawals SET status = 'voided', reason = $2, updated_at = now() WHERE id = $1`,
          [id, reason],
        );
        const balance = set.account(w.account);
        events.push(state("voided", reason), {
          topic: "speed.events",
          key: w.account,
          event: "balance.changed@1",
          id: uuidFrom(`speed-withdrawal:${id}:refund`),
          payload: {
            account: w.account,
            available: String(balance.available),
            locked: String(balance.locked),
            cause: `withdrawal ${id} voided`,
          },
        });
        this.options.logger.warn({ withdrawalId: id, reason }, "withdrawal voided and refunded");
      } else {
        return false;
      }
      await enqueueOutbox(client, OUTBOX, events, { skipExisting: true });
      return true;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let changed = 0;
        try {
          changed = await this.tick();
        } catch (error) {
          this.options.logger.warn({ err: error }, "settling withdrawals failed");
        }
        if (changed === 0)
          await sleep(this.options.pollMs ?? 1_000, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }
}
