import { type CopyValue, copyRows, type Pool, type PoolClient, uuidFrom } from "@btt/shared/db";
import { enqueueOutbox, outboxTableFor } from "@btt/shared/kafka";
import type { Balances } from "../domain/effects.js";

/**
 * SQL for the chain follower (schema `indexer`, migration 0002_chain_state). One batch of blocks
 * is one transaction: its blocks, the account versions they produced, its deposits and their
 * outbox events, and the cursor move together or not at all, so a crash anywhere replays the
 * batch from the previous cursor and nothing is counted twice or skipped.
 */

export interface Cursor {
  number: number;
  id: string;
}

export interface StoredBlock {
  number: number;
  id: string;
  parentId: string;
  timestampMs: number;
  txCount: number;
}

export interface VersionRow extends Balances {
  address: string;
  height: number;
}

export interface DepositRow {
  txId: string;
  blockNumber: number;
  blockTime: Date;
  from: string;
  to: string;
  tokenId: string;
  amount: bigint;
  memo: string | null;
}

export interface BaseStateInfo {
  height: number;
  blockId: string;
  source: string;
  accounts: number;
}

const OUTBOX = outboxTableFor("indexer");

export async function readCursor(db: Pool | PoolClient): Promise<Cursor | null> {
  const { rows } = await db.query<{ block_number: bigint; block_id: string }>(
    "SELECT block_number, block_id FROM indexer.chain_cursor WHERE id = 1",
  );
  const row = rows[0];
  return row ? { number: Number(row.block_number), id: row.block_id } : null;
}

export async function readBaseState(db: Pool | PoolClient): Promise<BaseStateInfo | null> {
  const { rows } = await db.query<{ height: bigint; block_id: string; source: string; accounts: bigint }>(
    "SELECT height, block_id, source, accounts FROM indexer.base_state WHERE id = 1",
  );
  const row = rows[0];
  return row
    ? {
        height: Number(row.height),
        blockId: row.block_id,
        source: row.source,
        accounts: Number(row.accounts),
      }
    : null;
}

/** Writes the base state and the cursor at its block, inside the caller's transaction. */
export async function writeBase(
  client: PoolClient,
  base: { height: number; blockId: string; parentId: string; timestampMs: number; source: string },
  accounts: AsyncIterable<VersionRow> | Iterable<VersionRow>,
): Promise<number> {
  async function* rows(): AsyncIterable<CopyValue[]> {
    for await (const a of accounts) {
      yield [a.address, base.height, a.liquid, a.frozenV1, a.frozenV2, a.unfreezing];
    }
  }
  const count = await copyRows(
    client,
    "indexer.account_versions",
    ["address", "height", "liquid", "frozen_v1", "frozen_v2", "unfreezing"],
    rows(),
  );
  await client.query(
    `INSERT INTO indexer.base_state (id, height, block_id, source, accounts) VALUES (1, $1, $2, $3, $4)`,
    [base.height, base.blockId, base.source, count],
  );
  await client.query(
    `INSERT INTO indexer.blocks (number, id, parent_id, timestamp_ms, tx_count) VALUES ($1, $2, $3, $4, 0)
     ON CONFLICT (number) DO NOTHING`,
    [base.height, base.blockId, base.parentId, base.timestampMs],
  );
  await client.query(`INSERT INTO indexer.chain_cursor (id, block_number, block_id) VALUES (1, $1, $2)`, [
    base.height,
    base.blockId,
  ]);
  return count;
}

/** The latest stored components of each address (the state after the cursor block). */
export async function latestBalances(
  db: Pool | PoolClient,
  addresses: readonly string[],
): Promise<Map<string, Balances>> {
  const out = new Map<string, Balances>();
  if (addresses.length === 0) return out;
  const { rows } = await db.query<{
    address: string;
    liquid: bigint;
    frozen_v1: bigint;
    frozen_v2: bigint;
    unfreezing: bigint;
  }>(
    `SELECT DISTINCT ON (v.address) v.address, v.liquid, v.frozen_v1, v.frozen_v2, v.unfreezing
       FROM indexer.account_versions v
      WHERE v.address = ANY($1::text[])
      ORDER BY v.address, v.height DESC`,
    [addresses],
  );
  for (const r of rows) {
    out.set(r.address, {
      liquid: r.liquid,
      frozenV1: r.frozen_v1,
      frozenV2: r.frozen_v2,
      unfreezing: r.unfreezing,
    });
  }
  return out;
}

export interface Batch {
  from: Cursor;
  blocks: StoredBlock[];
  versions: VersionRow[];
  deposits: DepositRow[];
}

/**
 * Commits one batch. The cursor row is updated only if it still names `batch.from`: two followers
 * (a second replica that lost the lock, a restarted process) can never both apply a block.
 */
export async function commitBatch(client: PoolClient, batch: Batch): Promise<void> {
  const last = batch.blocks[batch.blocks.length - 1];
  if (!last) return;
  const moved = await client.query(
    `UPDATE indexer.chain_cursor SET block_number = $1, block_id = $2, updated_at = now()
      WHERE id = 1 AND block_number = $3 AND block_id = $4`,
    [last.number, last.id, batch.from.number, batch.from.id],
  );
  if (moved.rowCount !== 1) throw new CursorMovedError(batch.from);
  await client.query(
    `INSERT INTO indexer.blocks (number, id, parent_id, timestamp_ms, tx_count)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::int[])`,
    [
      batch.blocks.map((b) => b.number),
      batch.blocks.map((b) => b.id),
      batch.blocks.map((b) => b.parentId),
      batch.blocks.map((b) => b.timestampMs),
      batch.blocks.map((b) => b.txCount),
    ],
  );
  if (batch.versions.length > 0) {
    await copyRows(
      client,
      "indexer.account_versions",
      ["address", "height", "liquid", "frozen_v1", "frozen_v2", "unfreezing"],
      batch.versions.map((v) => [v.address, v.height, v.liquid, v.frozenV1, v.frozenV2, v.unfreezing]),
    );
  }
  if (batch.deposits.length > 0) {
    const d = batch.deposits;
    await client.query(
      `INSERT INTO indexer.deposits (tx_id, block_number, block_time, from_address, to_address, token_id, amount, memo)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])`,
      [
        d.map((x) => x.txId),
        d.map((x) => x.blockNumber),
        d.map((x) => x.blockTime),
        d.map((x) => x.from),
        d.map((x) => x.to),
        d.map((x) => x.tokenId),
        d.map((x) => x.amount),
        d.map((x) => x.memo),
      ],
    );
    await enqueueOutbox(
      client,
      OUTBOX,
      d.map((x) => ({
        topic: "chain.deposits" as const,
        event: "chain.deposit@1" as const,
        // one id per transaction, so even a re-publication is recognisably the same deposit
        id: uuidFrom(`chain.deposit:${x.txId}`),
        key: x.from,
        payload: {
          txId: x.txId,
          from: x.from,
          to: x.to,
          tokenId: x.tokenId,
          amount: x.amount.toString(),
          blockNumber: x.blockNumber,
          blockTime: x.blockTime.toISOString(),
          memo: x.memo,
        },
      })),
    );
  }
}

export class CursorMovedError extends Error {
  constructor(from: Cursor) {
    super(
      `the cursor is no longer at block ${from.number}: another follower moved it; this batch is dropped`,
    );
    this.name = "CursorMovedError";
  }
}

/** The stored block at `number`, if ingested. */
export async function blockAt(db: Pool | PoolClient, number: number): Promise<StoredBlock | null> {
  const { rows } = await db.query<{
    number: bigint;
    id: string;
    parent_id: string;
    timestamp_ms: bigint;
    tx_count: number;
  }>("SELECT number, id, parent_id, timestamp_ms, tx_count FROM indexer.blocks WHERE number = $1", [number]);
  const r = rows[0];
  return r
    ? {
        number: Number(r.number),
        id: r.id,
        parentId: r.parent_id,
        timestampMs: Number(r.timestamp_ms),
        txCount: r.tx_count,
      }
    : null;
}

/** The highest ingested block with timestamp <= `timestampMs`. */
export async function highestBlockAtOrBefore(
  db: Pool | PoolClient,
  timestampMs: number,
): Promise<number | null> {
  const { rows } = await db.query<{ number: bigint }>(
    "SELECT number FROM indexer.blocks WHERE timestamp_ms <= $1 ORDER BY timestamp_ms DESC, number DESC LIMIT 1",
    [timestampMs],
  );
  return rows[0] ? Number(rows[0].number) : null;
}
