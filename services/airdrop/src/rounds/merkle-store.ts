import type { Pool, PoolClient } from "@btt/shared/db";

/**
 * A round's Merkle levels in PostgreSQL, chunked (1024 hashes of 32 bytes per row), so a proof of
 * any leaf is one query for at most one chunk per level, whatever the table's size.
 */

export const CHUNK_HASHES = 1024;

export async function writeMerkleLevels(
  client: PoolClient,
  roundId: string,
  levels: readonly Buffer[][],
): Promise<void> {
  await client.query("DELETE FROM airdrop.merkle_chunks WHERE round_id = $1", [roundId]);
  const batchLevels: number[] = [];
  const batchChunks: number[] = [];
  const batchHashes: Buffer[] = [];
  const flush = async () => {
    if (batchLevels.length === 0) return;
    await client.query(
      `INSERT INTO airdrop.merkle_chunks (round_id, level, chunk, hashes)
       SELECT $1, * FROM unnest($2::int[], $3::int[], $4::bytea[])`,
      [roundId, batchLevels, batchChunks, batchHashes],
    );
    batchLevels.length = 0;
    batchChunks.length = 0;
    batchHashes.length = 0;
  };
  for (let level = 0; level < levels.length; level += 1) {
    const hashes = levels[level] as Buffer[];
    for (let start = 0, chunk = 0; start < hashes.length; start += CHUNK_HASHES, chunk += 1) {
      batchLevels.push(level);
      batchChunks.push(chunk);
      batchHashes.push(Buffer.concat(hashes.slice(start, start + CHUNK_HASHES)));
      if (batchLevels.length >= 64) await flush();
    }
  }
  await flush();
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

/** The leaf hash and the proof (siblings from the leaf upwards) of `leafIndex`. */
export async function readProof(
  pool: Pool,
  roundId: string,
  leafIndex: number,
  leafCount: number,
): Promise<{ leaf: Buffer; proof: Buffer[] }> {
  const widths = levelWidths(leafCount);
  const wanted: { level: number; index: number }[] = [{ level: 0, index: leafIndex }];
  let index = leafIndex;
  for (let level = 0; level < widths.length - 1; level += 1) {
    const sibling = index % 2 === 1 ? index - 1 : index + 1;
    if (sibling < (widths[level] as number)) wanted.push({ level, index: sibling });
    index = Math.floor(index / 2);
  }
  const { rows } = await pool.query<{ level: number; chunk: number; hashes: Buffer }>(
    `SELECT level, chunk, hashes FROM airdrop.merkle_chunks
      WHERE round_id = $1 AND (level, chunk) IN (SELECT * FROM unnest($2::int[], $3::int[]))`,
    [roundId, wanted.map((w) => w.level), wanted.map((w) => Math.floor(w.index / CHUNK_HASHES))],
  );
  const chunks = new Map(rows.map((r) => [`${r.level}:${r.chunk}`, r.hashes]));
  const hashAt = (level: number, i: number): Buffer => {
    const chunk = chunks.get(`${level}:${Math.floor(i / CHUNK_HASHES)}`);
    const offset = (i % CHUNK_HASHES) * 32;
    if (!chunk || chunk.length < offset + 32) {
      throw new Error(`round ${roundId} has no Merkle hash at level ${level}, index ${i}`);
    }
    return chunk.subarray(offset, offset + 32);
  };
  const [leafPosition, ...siblings] = wanted;
  return {
    leaf: hashAt(0, (leafPosition as { index: number }).index),
    proof: siblings.map((s) => hashAt(s.level, s.index)),
  };
}
