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
  const proofs = await readProofs(pool, roundId, [leafIndex], leafCount);
  return proofs.get(leafIndex) as { leaf: Buffer; proof: Buffer[] };
}

/**
 * The proofs of several leaves at once (a lookup of up to 1,000 addresses): each block of 1,024
 * leaves is read and hashed once however many of its leaves are asked for, and the upper levels'
 * chunks are read in one query.
 */
export async function readProofs(
  pool: Pool,
  roundId: string,
  leafIndices: readonly number[],
  leafCount: number,
): Promise<Map<number, { leaf: Buffer; proof: Buffer[] }>> {
  const widths = levelWidths(leafCount);
  const blocks = [...new Set(leafIndices.map((i) => Math.floor(i / BLOCK_LEAVES)))];
  const { rows } = await pool.query<LeafInput & { leaf_index: number }>(
    `SELECT e.leaf_index, e.address, e.liquid, e.frozen, e.unfreezing, e.amount
       FROM unnest($2::int[]) AS b(block)
       JOIN airdrop.entitlements e
         ON e.round_id = $1 AND e.leaf_index >= b.block * ${BLOCK_LEAVES} AND e.leaf_index < (b.block + 1) * ${BLOCK_LEAVES}
      ORDER BY e.leaf_index`,
    [roundId, blocks],
  );
  const rowsOf = new Map<number, (LeafInput & { leaf_index: number })[]>(blocks.map((b) => [b, []]));
  for (const row of rows) rowsOf.get(Math.floor(row.leaf_index / BLOCK_LEAVES))?.push(row);
  const local = new Map<number, PackedLevels>();
  for (const block of blocks) {
    const first = block * BLOCK_LEAVES;
    const expected = Math.min(BLOCK_LEAVES, leafCount - first);
    const blockRows = rowsOf.get(block) ?? [];
    if (blockRows.length !== expected) {
      throw new Error(`round ${roundId} has ${blockRows.length} of the ${expected} leaves of block ${block}`);
    }
    local.set(block, buildPackedLevels(packedLeaves(uuidToBytes(roundId), blockRows)));
  }

  // the sibling path of each leaf: hashes of its block's levels now, upper levels' positions later
  const paths = new Map<number, { leaf: Buffer; proof: (Buffer | { level: number; index: number })[] }>();
  const upperKeys = new Map<string, { level: number; chunk: number }>();
  for (const leafIndex of leafIndices) {
    const block = Math.floor(leafIndex / BLOCK_LEAVES);
    const first = block * BLOCK_LEAVES;
    const levels = local.get(block) as PackedLevels;
    const proof: (Buffer | { level: number; index: number })[] = [];
    let index = leafIndex;
    for (let level = 0; level < widths.length - 1; level += 1) {
      const sibling = index % 2 === 1 ? index - 1 : index + 1;
      if (sibling < (widths[level] as number)) {
        if (level < BLOCK_LEVELS) {
          const at = sibling - (first >> level);
          proof.push((levels[level] as Buffer).subarray(at * 32, at * 32 + 32));
        } else {
          const chunk = Math.floor(sibling / CHUNK_HASHES);
          upperKeys.set(`${level}:${chunk}`, { level, chunk });
          proof.push({ level, index: sibling });
        }
      }
      index = Math.floor(index / 2);
    }
    const leafAt = leafIndex - first;
    paths.set(leafIndex, { leaf: (levels[0] as Buffer).subarray(leafAt * 32, leafAt * 32 + 32), proof });
  }

  const chunks = new Map<string, Buffer>();
  if (upperKeys.size > 0) {
    const keys = [...upperKeys.values()];
    const { rows: found } = await pool.query<{ level: number; chunk: number; hashes: Buffer }>(
      `SELECT level, chunk, hashes FROM airdrop.merkle_chunks
        WHERE round_id = $1 AND (level, chunk) IN (SELECT * FROM unnest($2::int[], $3::int[]))`,
      [roundId, keys.map((k) => k.level), keys.map((k) => k.chunk)],
    );
    for (const c of found) chunks.set(`${c.level}:${c.chunk}`, c.hashes);
  }
  const proofs = new Map<number, { leaf: Buffer; proof: Buffer[] }>();
  for (const [leafIndex, path] of paths) {
    const proof = path.proof.map((step) => {
      if (Buffer.isBuffer(step)) return step;
      const chunk = chunks.get(`${step.level}:${Math.floor(step.index / CHUNK_HASHES)}`);
      const offset = (step.index % CHUNK_HASHES) * 32;
      if (!chunk || chunk.length < offset + 32) {
        throw new Error(`round ${roundId} has no Merkle hash at level ${step.level}, index ${step.index}`);
      }
      return chunk.subarray(offset, offset + 32);
    });
    proofs.set(leafIndex, { leaf: path.leaf, proof });
  }
  return proofs;
}
