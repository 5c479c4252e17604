import type { Pool } from "@btt/shared/db";
import { parseNodeJson } from "@btt/shared/tron";
import type { BroadcastJob, RecordedReply } from "./broadcaster.js";
import type { Tables } from "./tables.js";
import type { SignedTransaction } from "./transaction.js";

/**
 * Live attempts due for a rebroadcast: not confirmed `rebroadcastMs` after their last send and
 * not yet past their expiration on the node's head. Taken SKIP LOCKED and stamped in one
 * statement, so replicas do not send the same attempt twice in a row. The signed JSON is read
 * losslessly (an amount above 2^53 stays exact).
 */
export async function takeDueRebroadcasts(
  pool: Pool,
  tables: Tables,
  options: { rebroadcastMs: number; chainTimeMs: number; limit: number },
): Promise<BroadcastJob[]> {
  const { rows } = await pool.query<{ tx_id: string; signed_tx: string }>(
    `UPDATE ${tables.attempts} SET broadcast_at = now(), broadcasts = broadcasts + 1
     WHERE tx_id IN (
       SELECT tx_id FROM ${tables.attempts}
       WHERE state IN ('signed', 'broadcast') AND broadcast_at < now() - $1 * interval '1 millisecond'
         AND expiration_ms > $2
       ORDER BY broadcast_at LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING tx_id, signed_tx::text AS signed_tx`,
    [options.rebroadcastMs, options.chainTimeMs, options.limit],
  );
  return rows.map((r) => ({
    txId: r.tx_id,
    transaction: parseNodeJson(r.signed_tx) as unknown as SignedTransaction,
  }));
}

/**
 * Records broadcast replies in one statement (`signed` → `broadcast` when the node has the
 * transaction). Rows the scan holds are skipped: their fate is being written, and a reply is
 * only a record (rule 4).
 */
export async function recordReplies(pool: Pool, tables: Tables, replies: RecordedReply[]): Promise<void> {
  await pool.query(
    `UPDATE ${tables.attempts} a
     SET state = CASE WHEN u.accepted AND a.state = 'signed' THEN 'broadcast' ELSE a.state END,
         broadcast_reply = u.reply
     FROM unnest($1::text[], $2::bool[], $3::text[]) AS u(tx_id, accepted, reply)
     WHERE a.tx_id = u.tx_id AND a.tx_id IN (
       SELECT tx_id FROM ${tables.attempts}
       WHERE tx_id = ANY($1::text[]) AND state IN ('signed', 'broadcast') FOR UPDATE SKIP LOCKED)`,
    [
      replies.map((r) => r.txId),
      replies.map((r) => r.accepted),
      replies.map((r) => (r.message ? `${r.code}: ${r.message}` : r.code).slice(0, 500)),
    ],
  );
}
