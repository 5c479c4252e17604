import type { Pool, PoolClient } from "@btt/shared/db";
import {
  buildPackedLevels,
  type LeafInput,
  type PackedLevels,
  packedLeaves,
  uuidToBytes,
} from "../domain/merkle.js";

/**
 * A round's Merkle tree in PostgreSQL. The leaves are the entitlement rows themselves; what is
 * stored is the tree from level 10 up (one hash per block of 1024 leaves, and above), in chunks
 * of 1024 hashes. A proof hashes the 1024 leaves of its block (the bottom ten levels: a block
 * aligned on 1024 leaves promotes its odd tail exactly as the whole level does) and reads one
 * chunk per upper level. Storing the bottom levels would write 64 MB per million recipients for
 * answers that cost ~2 ms to recompute.
 */

export const BLOCK_LEVELS = 10;
export const BLOCK_LEAVES = 2 ** BLOCK_LEVELS;
export const CHUNK_HASHES = 1024;

/** Writes levels ≥ BLOCK_LEVELS (stored level = tree level). */
export async function writeMerkleLevels(
  client: PoolClient,
  roundId: string,
  levels: PackedLevels,
): Promise<void> {
  await client.query("DELETE FROM airdrop.merkle_chunks WHERE round_id = $1", [roundId]);
  const rows: { level: number; chunk: number; hashes: Buffer }[] = [];
  const chunkBytes = CHUNK_HASHES * 32;
  for (let level = BLOCK_LEVELS; level < levels.length; level += 1) {
    const hashes = levels[level] as Buffer; // packed, 32 bytes per hash
    for (let start = 0, chunk = 0; start < hashes.length; start += chunkBytes, chunk += 1) {
      rows.push({ level, chunk, hashes: hashes.subarray(start, start + chunkBytes) });
    }
  }
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO airdrop.merkle_chunks (round_id, level, chunk, hashes)
     SELECT $1, * FROM unnest($2::int[], $3::int[], $4::bytea[])`,
    [roundId, rows.map((r) => r.level), rows.map((r) => r.chunk), rows.map((r) => r.hashes)],
  );
}

/** Width of each level for `leafCount` leaves (odd counts promote their last hash). */
export function levelWidths(leafCount: number): number[] {
  const widths = [leafCount];
  let width = leafCount;
  while (width > 1) {
    width = Math.ceil(width / 2);
    widths.push(width);
  }
  return widths;
}

/** The proof (siblings from the leaf upwards) of `leafIndex` in a round of `leafCount` leaves. */
export async function readProof(
  pool: Pool,
  roundId: string,
  leafIndex: number,
  leafCount: number,
): Promise<{ leaf: Buffer; proof: Buffer[] }> {
  const widths = levelWidths(leafCount);
  const block = Math.floor(leafIndex / BLOCK_LEAVES);
  const first = block * BLOCK_LEAVES;
  const { rows } = await pool.query<LeafInput & { leaf_index: number }>(
    `SELECT leaf_index, address, liquid, frozen, unfreezing, amount FROM airdrop.entitlements
      WHERE round_id = $1 AND leaf_index >= $2 AND leaf_index < $3 ORDER BY leaf_index`,
    [roundId, first, first + BLOCK_LEAVES],
  );
  const expected = Math.min(BLOCK_LEAVES, leafCount - first);
  if (rows.length !== expected) {
    throw new Error(`round ${roundId} has ${rows.length} of the ${expected} leaves of block ${block}`);
  }
  const local = buildPackedLevels(packedLeaves(uuidToBytes(roundId), rows));
  const proof: Buffer[] = [];
  const upper: { level: number; index: number }[] = [];
  let index = leafIndex;
  for (let level = 0; level < widths.length - 1; level += 1) {
    const sibling = index % 2 === 1 ? index - 1 : index + 1;
    if (sibling < (widths[level] as number)) {
      if (level < BLOCK_LEVELS) {
        const at = sibling - (first >> level);
        proof.push((local[level] as Buffer).subarray(at * 32, at * 32 + 32));
      } else {
        upper.push({ level, index: sibling });
        proof.push(Buffer.alloc(0)); // filled below
      }
    }
    index = Math.floor(index / 2);
  }
  if (upper.length > 0) {
    const { rows: chunks } = await pool.query<{ level: number; chunk: number; hashes: Buffer }>(
      `SELECT level, chunk, hashes FROM airdrop.merkle_chunks
        WHERE round_id = $1 AND (level, chunk) IN (SELECT * FROM unnest($2::int[], $3::int[]))`,
      [roundId, upper.map((u) => u.level), upper.map((u) => Math.floor(u.index / CHUNK_HASHES))],
    );
    const byKey = new Map(chunks.map((c) => [`${c.level}:${c.chunk}`, c.hashes]));
    let k = proof.length - upper.length;
    for (const u of upper) {
      const chunk = byKey.get(`${u.level}:${Math.floor(u.index / CHUNK_HASHES)}`);
      const offset = (u.index % CHUNK_HASHES) * 32;
      if (!chunk || chunk.length < offset + 32) {
        throw new Error(`round ${roundId} has no Merkle hash at level ${u.level}, index ${u.index}`);
      }
      proof[k] = chunk.subarray(offset, offset + 32);
      k += 1;
    }
  }
  const leafAt = leafIndex - first;
  return { leaf: (local[0] as Buffer).subarray(leafAt * 32, leafAt * 32 + 32), proof };
}
