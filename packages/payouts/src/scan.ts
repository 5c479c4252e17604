import { type Pool, type PoolClient, withTransaction } from "@btt/shared/db";
import type { JsonObject } from "@btt/shared/tron";
import { provablyExpiredSql } from "./expiry.js";
import { type ChainBlock, ChainDataError, type PayoutNode } from "./node.js";
import type { Tables } from "./tables.js";

/**
 * The block scan (rules 5 and 6): reads solidified blocks in order from a persisted cursor, one
 * scanner at a time (the cursor row is taken FOR UPDATE SKIP LOCKED; another worker skips the
 * scan), confirms the attempts whose txids it sees, then expires the attempts the scanned range
 * proves can never land — all in the transaction that advances the cursor, so a crash redoes the
 * whole step or none of it. Blocks must chain onto the cursor's block id; a node answering
 * another chain stops the scan instead of proving anything.
 */

export interface ScanOptions {
  pool: Pool;
  tables: Tables;
  node: PayoutNode;
  /** the distributor, 21 bytes hex (41…): only its TransferAssetContracts can be ours */
  ownerHex: string;
  maxBlocks: number;
  /** a payment whose attempt `maxAttempts` expires becomes failed instead of pending */
  maxAttempts: number;
}

export interface ScanResult {
  /** false: another worker holds the cursor */
  ran: boolean;
  blocks: number;
  solidHeight: number | null;
  solidTimeMs: number | null;
  confirmed: number;
  failedOnChain: number;
  expired: number;
  /** txids of ours found in a block while their attempt was not live (must never happen) */
  unexpected: string[];
}

interface Cursor {
  first_height: bigint;
  solid_height: bigint;
  solid_block_id: string;
  solid_time_ms: bigint;
}

/** Creates the cursor at the node's solidified head the first time (no attempt can predate it). */
export async function ensureScanCursor(pool: Pool, tables: Tables, node: PayoutNode): Promise<void> {
  const existing = await pool.query(`SELECT 1 FROM ${tables.scan} WHERE id = 1`);
  if (existing.rowCount) return;
  const head = await node.solidHead();
  await pool.query(
    `INSERT INTO ${tables.scan} (id, first_height, solid_height, solid_block_id, solid_time_ms)
     VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [head.number + 1, head.number, head.id, head.timestampMs],
  );
}

interface Hit {
  txId: string;
  blockNumber: number;
  success: boolean;
  result: string;
}

function hitsOf(blocks: ChainBlock[], ownerHex: string): Hit[] {
  const hits: Hit[] = [];
  for (const block of blocks) {
    for (const tx of block.transactions) {
      const raw = tx.raw_data as JsonObject | undefined;
      const contract = (raw?.contract as JsonObject[] | undefined)?.[0];
      if (contract?.type !== "TransferAssetContract") continue;
      const value = (contract.parameter as JsonObject | undefined)?.value as JsonObject | undefined;
      if (String(value?.owner_address ?? "").toLowerCase() !== ownerHex) continue;
      const result = String(
        ((tx.ret as JsonObject[] | undefined)?.[0]?.contractRet as string | undefined) ?? "SUCCESS",
      );
      hits.push({
        txId: String(tx.txID),
        blockNumber: block.number,
        success: result === "SUCCESS" || result === "DEFAULT",
        result,
      });
    }
  }
  return hits;
}

async function confirm(client: PoolClient, tables: Tables, hits: Hit[]) {
  const { rows } = await client.query<{
    payment_id: string;
    tx_id: string;
    state: string;
    block_number: bigint;
  }>(
    `UPDATE ${tables.attempts} a
     SET state = CASE WHEN h.success THEN 'confirmed' ELSE 'failed_on_chain' END,
         block_number = h.block_number, resolved_at = now(),
         broadcast_reply = CASE WHEN h.success THEN a.broadcast_reply ELSE 'contractRet ' || h.result END
     FROM unnest($1::text[], $2::bigint[], $3::bool[], $4::text[]) AS h(tx_id, block_number, success, result)
     WHERE a.tx_id = h.tx_id AND a.state IN ('signed', 'broadcast')
     RETURNING a.payment_id, a.tx_id, a.state, a.block_number`,
    [
      hits.map((h) => h.txId),
      hits.map((h) => h.blockNumber),
      hits.map((h) => h.success),
      hits.map((h) => h.result),
    ],
  );
  if (rows.length > 0) {
    await client.query(
      `UPDATE ${tables.payments} p
       SET status = CASE WHEN u.state = 'confirmed' THEN 'confirmed' ELSE 'failed' END,
           tx_id = u.tx_id, block_number = u.block_number, updated_at = now(),
           last_error = CASE WHEN u.state = 'confirmed' THEN NULL ELSE 'failed on chain in block ' || u.block_number END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) AS u(payment_id, tx_id, state, block_number)
       WHERE p.id = u.payment_id AND p.status = 'in_flight'`,
      [
        rows.map((r) => r.payment_id),
        rows.map((r) => r.tx_id),
        rows.map((r) => r.state),
        rows.map((r) => r.block_number),
      ],
    );
  }
  return rows;
}

async function expire(client: PoolClient, options: ScanOptions, coverage: Cursor): Promise<number> {
  const { tables } = options;
  const { rowCount } = await client.query(
    `WITH expired AS (
       UPDATE ${tables.attempts} SET state = 'expired', resolved_at = now()
       WHERE state IN ('signed', 'broadcast') AND ${provablyExpiredSql("$1", "$2", "$3")}
       RETURNING payment_id, broadcast_reply
     )
     UPDATE ${tables.payments} p
     SET status = CASE WHEN b.state IN ('cancelling', 'cancelled') THEN 'cancelled'
                       WHEN p.attempts >= $4 THEN 'failed' ELSE 'pending' END,
         last_error = 'attempt ' || p.attempts || ' expired unconfirmed'
                      || coalesce(' (last broadcast reply: ' || e.broadcast_reply || ')', ''),
         updated_at = now()
     FROM expired e, ${tables.batches} b
     WHERE p.id = e.payment_id AND b.id = p.batch_id AND p.status = 'in_flight'`,
    [coverage.solid_time_ms, coverage.first_height, coverage.solid_height, options.maxAttempts],
  );
  return rowCount ?? 0;
}

export async function scanSolidBlocks(options: ScanOptions): Promise<ScanResult> {
  const { pool, tables, node } = options;
  const result: ScanResult = {
    ran: false,
    blocks: 0,
    solidHeight: null,
    solidTimeMs: null,
    confirmed: 0,
    failedOnChain: 0,
    expired: 0,
    unexpected: [],
  };
  // one transaction: the cursor row lock (another scanner skips), confirmations, expiries
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<Cursor>(
      `SELECT first_height, solid_height, solid_block_id, solid_time_ms FROM ${tables.scan}
       WHERE id = 1 FOR UPDATE SKIP LOCKED`,
    );
    const cursor = rows[0];
    if (!cursor) return result; // another worker is scanning
    result.ran = true;
    const from = Number(cursor.solid_height);
    const head = await node.solidHead();
    const end = Math.min(head.number, from + options.maxBlocks);
    let coverage = cursor;
    if (end > from) {
      const blocks = await node.solidBlocks(from + 1, end);
      let parent = cursor.solid_block_id;
      for (const block of blocks) {
        if (block.parentId !== parent)
          throw new ChainDataError(
            `solidified block ${block.number} does not follow the scanned block ${block.number - 1} (${parent}): ` +
              `the node serves another chain; not confirming or expiring anything`,
          );
        parent = block.id;
      }
      const hits = hitsOf(blocks, options.ownerHex);
      if (hits.length > 0) {
        const confirmed = await confirm(client, tables, hits);
        result.confirmed = confirmed.filter((r) => r.state === "confirmed").length;
        result.failedOnChain = confirmed.length - result.confirmed;
        if (confirmed.length < hits.length) {
          const matched = new Set(confirmed.map((r) => r.tx_id));
          const others = hits.filter((h) => !matched.has(h.txId)).map((h) => h.txId);
          const known = await client.query<{ tx_id: string }>(
            `SELECT tx_id FROM ${tables.attempts} WHERE tx_id = ANY($1::text[])`,
            [others],
          );
          result.unexpected = known.rows.map((r) => r.tx_id);
        }
      }
      const last = blocks[blocks.length - 1] as ChainBlock;
      coverage = {
        first_height: cursor.first_height,
        solid_height: BigInt(last.number),
        solid_block_id: last.id,
        solid_time_ms: BigInt(last.timestampMs),
      };
      await client.query(
        `UPDATE ${tables.scan} SET solid_height = $1, solid_block_id = $2, solid_time_ms = $3, updated_at = now()
         WHERE id = 1`,
        [coverage.solid_height, coverage.solid_block_id, coverage.solid_time_ms],
      );
      result.blocks = blocks.length;
    }
    result.expired = await expire(client, options, coverage);
    result.solidHeight = Number(coverage.solid_height);
    result.solidTimeMs = Number(coverage.solid_time_ms);
    return result;
  });
}
