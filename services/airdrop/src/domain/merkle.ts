import { hash } from "node:crypto";
import { addressToBytes, base58AddressBytesUnchecked } from "@btt/shared/tron";

/**
 * The entitlement Merkle tree, fixed by API.md so exchanges and tools can verify independently:
 *   leaf = sha256(0x00 ‖ "btt-leaf-v1" ‖ roundId(16 bytes) ‖ address(21 bytes) ‖
 *                 u128be(liquid) ‖ u128be(frozen) ‖ u128be(unfreezing) ‖ u128be(amount))
 *   node = sha256(0x01 ‖ left ‖ right); a level with an odd count promotes its last hash unchanged.
 * Leaves are ordered by the 21-byte address, bytewise ascending; leafIndex is the position.
 */

const LEAF_DOMAIN = Buffer.from("btt-leaf-v1", "ascii");
const U128_MAX = (1n << 128n) - 1n;

export interface LeafInput {
  /** base58 or 41-hex address */
  address: string;
  liquid: bigint;
  frozen: bigint;
  unfreezing: bigint;
  amount: bigint;
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

export function u128be(value: bigint): Buffer {
  if (value < 0n || value > U128_MAX) throw new RangeError(`${value} does not fit in u128`);
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(value >> 64n, 0);
  bytes.writeBigUInt64BE(value & 0xffff_ffff_ffff_ffffn, 8);
  return bytes;
}

const LEAF_BYTES = 1 + LEAF_DOMAIN.length + 16 + 21 + 4 * 16;
const leafScratch = Buffer.alloc(LEAF_BYTES);

/** One leaf hash; the fields are written into one scratch buffer and hashed in one call. */
export function hashLeaf(roundIdBytes: Buffer, leaf: LeafInput): Buffer {
  const b = leafScratch;
  let o = 0;
  b[o++] = 0x00;
  o += LEAF_DOMAIN.copy(b, o);
  o += roundIdBytes.copy(b, o, 0, 16);
  // base58 addresses were validated where they entered (indexer rows, API input): no checksum again
  const address = base58AddressBytesUnchecked(leaf.address) ?? addressToBytes(leaf.address);
  o += address.copy(b, o);
  for (const value of [leaf.liquid, leaf.frozen, leaf.unfreezing, leaf.amount]) {
    if (value < 0n || value > U128_MAX) throw new RangeError(`${value} does not fit in u128`);
    b.writeBigUInt64BE(value >> 64n, o);
    b.writeBigUInt64BE(value & 0xffff_ffff_ffff_ffffn, o + 8);
    o += 16;
  }
  return hash("sha256", b, "buffer");
}

const nodeScratch = Buffer.alloc(65);
nodeScratch[0] = 0x01;

export function hashNode(left: Buffer, right: Buffer): Buffer {
  left.copy(nodeScratch, 1);
  right.copy(nodeScratch, 33);
  return hash("sha256", nodeScratch, "buffer");
}

/** All levels, leaves first; the root is the single hash of the last level. */
export function buildLevels(leaves: readonly Buffer[]): Buffer[][] {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const levels: Buffer[][] = [leaves.slice()];
  let level = levels[0] as Buffer[];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(hashNode(level[i] as Buffer, level[i + 1] as Buffer));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    levels.push(next);
    level = next;
  }
  return levels;
}

export function rootOf(levels: readonly Buffer[][]): Buffer {
  return levels[levels.length - 1]?.[0] as Buffer;
}

/** Sibling hashes from the leaf upwards; a promoted (unpaired) position contributes none. */
export function proofFor(levels: readonly Buffer[][], leafIndex: number): Buffer[] {
  const proof: Buffer[] = [];
  let index = leafIndex;
  for (let depth = 0; depth < levels.length - 1; depth += 1) {
    const level = levels[depth] as Buffer[];
    const sibling = index % 2 === 1 ? index - 1 : index + 1;
    if (sibling < level.length) proof.push(level[sibling] as Buffer);
    index = Math.floor(index / 2);
  }
  return proof;
}

/**
 * Verifies a proof as an exchange would: it needs the leaf count to know where a level promoted
 * its last hash (API.md: at each level the bit of leafIndex says left (1) or right (0)).
 */
export function verifyProof(
  leaf: Buffer,
  leafIndex: number,
  leafCount: number,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  let hash = leaf;
  let index = leafIndex;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    const promoted = index === width - 1 && width % 2 === 1;
    if (!promoted) {
      const sibling = proof[used];
      if (!sibling) return false;
      used += 1;
      hash = index % 2 === 1 ? hashNode(sibling, hash) : hashNode(hash, sibling);
    }
    index = Math.floor(index / 2);
    width = Math.ceil(width / 2);
  }
  return used === proof.length && hash.equals(root);
}
