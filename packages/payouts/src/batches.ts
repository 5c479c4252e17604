import { type Pool, type PoolClient, withTransaction } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import type { BatchState, PaymentStatus } from "./schema.js";
import type { Tables } from "./tables.js";

/**
 * Batch states (rule 7): `active` → claims happen; `paused` → no new attempts; `cancelling` →
 * pending payments are cancelled, attempts already signed are tracked to the end; `cancelled` once
 * none is live; `completed` once no payment is pending or in flight. Every transition takes the
 * batch row lock, which claims hold in share mode: a claim never signs for a batch that was paused
 * or cancelled before it committed.
 */

export interface BatchTransition {
  batchId: string;
  state: BatchState;
  reason: string | null;
}

export interface StatusTotals {
  count: number;
  amount: bigint;
}

export interface BatchProgress {
  batchId: string;
  kind: string;
  state: BatchState;
  reason: string | null;
  pending: StatusTotals;
  inFlight: StatusTotals;
  confirmed: StatusTotals;
  cancelled: StatusTotals;
  failed: StatusTotals;
  total: StatusTotals;
}

async function lockBatch(
  client: PoolClient,
  tables: Tables,
  batchId: string,
): Promise<{ state: BatchState; kind: string }> {
  const { rows } = await client.query<{ state: BatchState; kind: string }>(
    `SELECT state, kind FROM ${tables.batches} WHERE id = $1 FOR UPDATE`,
    [batchId],
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `no payout batch ${batchId}`);
  return row;
}

async function setState(
  client: PoolClient,
  tables: Tables,
  batchId: string,
  state: BatchState,
  reason: string | null,
): Promise<BatchTransition> {
  await client.query(
    `UPDATE ${tables.batches} SET state = $2, state_reason = $3, updated_at = now() WHERE id = $1`,
    [batchId, state, reason],
  );
  return { batchId, state, reason };
}

/** Stops new attempts; live ones are still tracked, and an expired one returns to pending. */
export function pauseBatch(pool: Pool, tables: Tables, batchId: string, reason: string) {
  return withTransaction(pool, async (client) => {
    const { state } = await lockBatch(client, tables, batchId);
    if (state === "paused") return null;
    if (state !== "active")
      throw new AppError("CONFLICT", `batch ${batchId} is ${state}: it cannot be paused`);
    return setState(client, tables, batchId, "paused", reason);
  });
}

export function resumeBatch(pool: Pool, tables: Tables, batchId: string) {
  return withTransaction(pool, async (client) => {
    const { state } = await lockBatch(client, tables, batchId);
    if (state === "active") return null;
    if (state !== "paused")
      throw new AppError("CONFLICT", `batch ${batchId} is ${state}: it cannot be resumed`);
    return setState(client, tables, batchId, "active", null);
  });
}

/** Pending payments become cancelled now; the batch is `cancelling` while any attempt is live. */
export function cancelBatch(pool: Pool, tables: Tables, batchId: string, reason: string) {
  return withTransaction(pool, async (client) => {
    const { state } = await lockBatch(client, tables, batchId);
    if (state === "cancelled" || state === "cancelling") return null;
    if (state === "completed")
      throw new AppError("CONFLICT", `batch ${batchId} is completed: nothing to cancel`);
    await client.query(
      `UPDATE ${tables.payments} SET status = 'cancelled', last_error = $2, updated_at = now()
       WHERE batch_id = $1 AND status = 'pending'`,
      [batchId, `cancelled: ${reason}`],
    );
    const live = await client.query(
      `SELECT 1 FROM ${tables.payments} WHERE batch_id = $1 AND status = 'in_flight' LIMIT 1`,
      [batchId],
    );
    return setState(client, tables, batchId, live.rowCount ? "cancelling" : "cancelled", reason);
  });
}

/**
 * Moves batches whose work is over: `active` with nothing pending or in flight → `completed`
 * (reason names failed payments, if any); `cancelling` with nothing in flight → `cancelled`.
 * Each candidate is re-checked under its row lock (enqueue may be adding to it).
 */
export async function settleBatches(pool: Pool, tables: Tables): Promise<BatchTransition[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT b.id FROM ${tables.batches} b
     WHERE b.state IN ('active', 'cancelling')
       AND NOT EXISTS (SELECT 1 FROM ${tables.payments} p WHERE p.batch_id = b.id AND p.status = 'in_flight')
       AND (b.state = 'cancelling'
         OR NOT EXISTS (SELECT 1 FROM ${tables.payments} p WHERE p.batch_id = b.id AND p.status = 'pending'))`,
  );
  const out: BatchTransition[] = [];
  for (const { id } of rows) {
    const transition = await withTransaction(pool, async (client) => {
      // an enqueue still copying rows into this batch holds its lock: look again next step
      const locked = await client.query<{ state: BatchState }>(
        `SELECT state FROM ${tables.batches} WHERE id = $1 FOR UPDATE SKIP LOCKED`,
        [id],
      );
      const state = locked.rows[0]?.state;
      if (state === undefined) return null;
      const busy = await client.query(
        `SELECT 1 FROM ${tables.payments} WHERE batch_id = $1 AND status = ANY($2::text[]) LIMIT 1`,
        [id, state === "active" ? ["pending", "in_flight"] : ["in_flight"]],
      );
      if (busy.rowCount) return null;
      if (state === "cancelling") {
        // an attempt that expired while the cancel committed may have put its payment back
        await client.query(
          `UPDATE ${tables.payments} SET status = 'cancelled', updated_at = now()
           WHERE batch_id = $1 AND status = 'pending'`,
          [id],
        );
        const { rows: r } = await client.query<{ state_reason: string | null }>(
          `SELECT state_reason FROM ${tables.batches} WHERE id = $1`,
          [id],
        );
        return setState(client, tables, id, "cancelled", r[0]?.state_reason ?? null);
      }
      if (state !== "active") return null;
      const failed = await client.query<{ n: bigint }>(
        `SELECT count(*) AS n FROM ${tables.payments} WHERE batch_id = $1 AND status = 'failed'`,
        [id],
      );
      const n = Number(failed.rows[0]?.n ?? 0n);
      return setState(client, tables, id, "completed", n > 0 ? `FAILED_PAYMENTS: ${n} failed` : null);
    });
    if (transition) out.push(transition);
  }
  return out;
}

const ZERO = (): StatusTotals => ({ count: 0, amount: 0n });

export async function batchProgress(pool: Pool, tables: Tables, batchId: string): Promise<BatchProgress> {
  const batch = await pool.query<{ kind: string; state: BatchState; state_reason: string | null }>(
    `SELECT kind, state, state_reason FROM ${tables.batches} WHERE id = $1`,
    [batchId],
  );
  const row = batch.rows[0];
  if (!row) throw new AppError("NOT_FOUND", `no payout batch ${batchId}`);
  const { rows } = await pool.query<{ status: PaymentStatus; n: bigint; amount: string | null }>(
    `SELECT status, count(*) AS n, sum(amount)::text AS amount FROM ${tables.payments}
     WHERE batch_id = $1 GROUP BY status`,
    [batchId],
  );
  const progress: BatchProgress = {
    batchId,
    kind: row.kind,
    state: row.state,
    reason: row.state_reason,
    pending: ZERO(),
    inFlight: ZERO(),
    confirmed: ZERO(),
    cancelled: ZERO(),
    failed: ZERO(),
    total: ZERO(),
  };
  const key: Record<PaymentStatus, keyof BatchProgress> = {
    pending: "pending",
    in_flight: "inFlight",
    confirmed: "confirmed",
    cancelled: "cancelled",
    failed: "failed",
  };
  for (const r of rows) {
    const totals = progress[key[r.status]] as StatusTotals;
    totals.count = Number(r.n);
    totals.amount = BigInt(r.amount ?? "0");
    progress.total.count += totals.count;
    progress.total.amount += totals.amount;
  }
  return progress;
}
