import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { copyRows, withTransaction } from "@btt/shared/db";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { encodeBase58Address } from "@btt/shared/tron";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildLevels,
  buildPackedLevels,
  hashLeaf,
  packedLeaves,
  proofFor,
  rootOf,
  uuidToBytes,
  verifyProof,
} from "../src/domain/merkle.js";
import { BLOCK_LEAVES, readProof, readProofs, writeMerkleLevels } from "../src/rounds/merkle-store.js";

// Proofs served from PostgreSQL (bottom ten levels recomputed from the leaf's block of 1024, the
// levels above read from stored chunks) equal the in-memory tree's, across block boundaries and
// the odd tails of every level.

const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
});
afterAll(async () => {
  await db?.drop();
});

describe("stored Merkle tree", () => {
  it.each([1, 7, 1024, 1025, 3 * BLOCK_LEAVES + 333])(
    "serves the in-memory proof of any leaf (%i leaves)",
    async (n) => {
      const roundId = randomUUID();
      const rows = Array.from({ length: n }, () => {
        const bytes = Buffer.concat([Buffer.from([0x41]), randomBytes(20)]);
        return {
          address: encodeBase58Address(bytes),
          liquid: BigInt(randomBytes(4).readUInt32BE()),
          frozen: 0n,
          unfreezing: 7n,
          amount: BigInt(randomBytes(2).readUInt16BE() + 1),
        };
      }).sort((a, b) => (a.address < b.address ? -1 : 1));
      const idBytes = uuidToBytes(roundId);
      const leaves = rows.map((r) => hashLeaf(idBytes, r));
      const levels = buildLevels(leaves);
      const packed = buildPackedLevels(packedLeaves(idBytes, rows));
      expect((packed[packed.length - 1] as Buffer).equals(rootOf(levels))).toBe(true);
      await withTransaction(db.pool, async (client) => {
        await copyRows(
          client,
          "airdrop.entitlements",
          ["round_id", "leaf_index", "address", "liquid", "frozen", "unfreezing", "amount"],
          rows.map((r, i) => [roundId, i, r.address, r.liquid, r.frozen, r.unfreezing, r.amount]),
        );
        await writeMerkleLevels(client, roundId, packed);
      });
      const picks = new Set([
        0,
        n - 1,
        Math.floor(n / 2),
        Math.min(n - 1, BLOCK_LEAVES),
        Math.min(n - 1, BLOCK_LEAVES - 1),
      ]);
      for (let k = 0; k < 20; k += 1) picks.add(Math.floor(Math.random() * n));
      for (const i of picks) {
        const served = await readProof(db.pool, roundId, i, n);
        expect(served.leaf.equals(leaves[i] as Buffer)).toBe(true);
        expect(served.proof.map((p) => p.toString("hex"))).toEqual(
          proofFor(levels, i).map((p) => p.toString("hex")),
        );
        expect(verifyProof(served.leaf, i, n, served.proof, rootOf(levels))).toBe(true);
      }
      // a lookup reads its proofs in one batch: the same answers, blocks shared between leaves
      const batch = await readProofs(db.pool, roundId, [...picks], n);
      expect(batch.size).toBe(picks.size);
      for (const i of picks) {
        const served = batch.get(i);
        expect(served?.leaf.equals(leaves[i] as Buffer)).toBe(true);
        expect(served?.proof.map((p) => p.toString("hex"))).toEqual(
          proofFor(levels, i).map((p) => p.toString("hex")),
        );
      }
    },
  );
});
