import type { Pool } from "@btt/shared/db";
import { decodeBase58Address } from "./address.js";
import { memoHex } from "./memo.js";
import type { PayoutSigner } from "./signer.js";
import type { Tables } from "./tables.js";
import {
  buildTransferAsset,
  type ReferenceBlock,
  type SignedTransaction,
  transactionJson,
} from "./transaction.js";

/**
 * Claim → build → sign → persist (rules 1–3), in one database transaction: pending payments of an
 * active batch are locked FOR UPDATE SKIP LOCKED (replicas take disjoint rows), each gets attempt
 * n+1 with its own memo, and the signed attempts are inserted (state `signed`, the partial unique
 * index admitting one live attempt per payment) with the payments set `in_flight` before COMMIT.
 * Only committed attempts are ever broadcast: the caller broadcasts what this returns.
 */

export interface ClaimOptions {
  pool: Pool;
  tables: Tables;
  signer: PayoutSigner;
  ownerBytes: Buffer;
  tokenId: string;
  memoKind: string;
  expirationMs: number;
  reference: ReferenceBlock;
  batchId: string;
  limit: number;
}

export interface ClaimedAttempt {
  txId: string;
  paymentId: string;
  attempt: number;
  amount: bigint;
  expirationMs: number;
  transaction: SignedTransaction;
}

export interface ClaimResult {
  /** false when the batch was no longer active under its lock */
  active: boolean;
  attempts: ClaimedAttempt[];
}

export async function claimAndSign(options: ClaimOptions): Promise<ClaimResult> {
  const { pool, tables, batchId } = options;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Share lock: pause/cancel (FOR UPDATE) wait for this claim, and this claim sees their result.
    // A batch locked by one of them, or by an enqueue still copying rows, is skipped this round.
    const batch = await client.query<{ state: string }>(
      `SELECT state FROM ${tables.batches} WHERE id = $1 FOR SHARE SKIP LOCKED`,
      [batchId],
    );
    if (batch.rows[0]?.state !== "active") {
      await client.query("ROLLBACK");
      return { active: false, attempts: [] };
    }
    const { rows } = await client.query<{ id: string; recipient: string; amount: bigint; attempts: number }>(
      `SELECT id, recipient, amount, attempts FROM ${tables.payments}
       WHERE batch_id = $1 AND status = 'pending' LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [batchId, options.limit],
    );
    const attempts: ClaimedAttempt[] = [];
    for (const row of rows) {
      const to = decodeBase58Address(row.recipient);
      if (!to) throw new Error(`payment ${row.id}: stored recipient is not an address`);
      const attempt = row.attempts + 1;
      const unsigned = buildTransferAsset({
        owner: options.ownerBytes,
        to,
        tokenId: options.tokenId,
        amount: row.amount,
        dataHex: memoHex({ kind: options.memoKind, paymentId: row.id, attempt }),
        reference: options.reference,
        expirationMs: options.expirationMs,
      });
      const transaction = await options.signer.sign(unsigned);
      if (transaction.txID !== unsigned.txID || transaction.raw_data_hex !== unsigned.raw_data_hex)
        throw new Error("the signer changed the transaction it was asked to sign");
      attempts.push({
        txId: unsigned.txID,
        paymentId: row.id,
        attempt,
        amount: row.amount,
        expirationMs: unsigned.raw_data.expiration,
        transaction,
      });
    }
    if (attempts.length > 0) {
      await client.query(
        `INSERT INTO ${tables.attempts}
           (tx_id, payment_id, attempt, state, signed_tx, raw_data_hex, ref_block_num, expiration_ms,
            broadcast_at, broadcasts)
         SELECT a.tx_id, a.payment_id, a.attempt, 'signed', a.signed_tx::jsonb, a.raw_data_hex, $7, a.expiration_ms,
                now(), 1
         FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::bigint[])
           AS a(tx_id, payment_id, attempt, signed_tx, raw_data_hex, expiration_ms)`,
        [
          attempts.map((a) => a.txId),
          attempts.map((a) => a.paymentId),
          attempts.map((a) => a.attempt),
          attempts.map((a) => transactionJson(a.transaction)),
          attempts.map((a) => a.transaction.raw_data_hex),
          attempts.map((a) => a.expirationMs),
          options.reference.number,
        ],
      );
      await client.query(
        `UPDATE ${tables.payments} p SET status = 'in_flight', attempts = u.attempt, updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS u(id, attempt) WHERE p.id = u.id`,
        [attempts.map((a) => a.paymentId), attempts.map((a) => a.attempt)],
      );
    }
    await client.query("COMMIT");
    return { active: true, attempts };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
