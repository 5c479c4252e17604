import { type CopyValue, copyRows, type PoolClient } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { isPayableAddress } from "./address.js";
import { isMemoKind, isPaymentId } from "./memo.js";
import type { Tables } from "./tables.js";

export interface PaymentInput {
  /** uuid chosen by the caller (its own record of the payment points at it) */
  id: string;
  /** base58 TRON address */
  recipient: string;
  /** token base units */
  amount: bigint;
}

export interface EnqueueResult {
  count: number;
  amount: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;
const BATCH_ID_MAX_CHARS = 200;

function invalid(index: number, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `payment #${index}: ${message}`, {
    details: [{ path: `payments.${index}`, message }],
  });
}

/**
 * Adds payments to a batch inside the caller's transaction (`client` is in BEGIN), so a round or
 * a withdrawal and its payments commit together. Rows stream through COPY (a million rows need
 * not sit in memory); the first invalid row aborts the COPY and with it the caller's transaction.
 * A batch that does not exist is created `active`; a completed one is reopened; a cancelled or
 * cancelling one refuses new payments.
 */
export async function enqueuePayments(
  client: PoolClient,
  tables: Tables,
  batchId: string,
  kind: string,
  payments: Iterable<PaymentInput> | AsyncIterable<PaymentInput>,
): Promise<EnqueueResult> {
  if (typeof batchId !== "string" || batchId.length === 0 || batchId.length > BATCH_ID_MAX_CHARS)
    throw new AppError("VALIDATION_FAILED", `batch id must be 1 to ${BATCH_ID_MAX_CHARS} characters`);
  if (!isMemoKind(kind))
    throw new AppError("VALIDATION_FAILED", `batch kind must be a lower-case word: ${kind}`);

  await client.query(`INSERT INTO ${tables.batches} (id, kind) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
    batchId,
    kind,
  ]);
  // The row lock orders this against settle (completion) and cancel of the same batch.
  const { rows } = await client.query<{ kind: string; state: string }>(
    `SELECT kind, state FROM ${tables.batches} WHERE id = $1 FOR UPDATE`,
    [batchId],
  );
  const batch = rows[0];
  if (!batch) throw new Error(`batch ${batchId} vanished`);
  if (batch.kind !== kind)
    throw new AppError("CONFLICT", `batch ${batchId} is a ${batch.kind} batch, not ${kind}`);
  if (batch.state === "cancelled" || batch.state === "cancelling")
    throw new AppError("CONFLICT", `batch ${batchId} is ${batch.state}: it takes no new payments`);

  let count = 0;
  let total = 0n;
  async function* rowsOf(): AsyncGenerator<CopyValue[]> {
    for await (const p of payments) {
      const id = typeof p.id === "string" ? p.id.toLowerCase() : p.id;
      if (!isPaymentId(id)) throw invalid(count, `id must be a uuid`);
      if (!isPayableAddress(p.recipient)) throw invalid(count, `recipient is not a base58 TRON address`);
      if (typeof p.amount !== "bigint" || p.amount <= 0n || p.amount > INT64_MAX)
        throw invalid(count, `amount must be a bigint in (0, 2^63)`);
      count += 1;
      total += p.amount;
      yield [id, batchId, p.recipient, p.amount];
    }
  }
  await copyRows(client, tables.payments, ["id", "batch_id", "recipient", "amount"], rowsOf());
  if (batch.state === "completed" && count > 0) {
    await client.query(
      `UPDATE ${tables.batches} SET state = 'active', state_reason = NULL, updated_at = now() WHERE id = $1`,
      [batchId],
    );
  }
  return { count, amount: total };
}
