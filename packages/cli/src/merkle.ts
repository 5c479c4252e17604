import { createHash } from "node:crypto";

/**
 * Entitlement proofs checked as an exchange would, from API.md "Merkle tree (fixed)" alone:
 *   leaf = sha256(0x00 ‖ "btt-leaf-v1" ‖ roundId(16) ‖ address(21) ‖ u128be liquid, frozen, unfreezing, amount)
 *   node = sha256(0x01 ‖ left ‖ right); a level with an odd count promotes its last hash unchanged.
 * The proof lists siblings from the leaf upwards, none for a promoted position; the bit of leafIndex
 * at each level says whether the sibling is on the left (1) or the right (0). Knowing where a level
 * promoted takes the leaf count: the round's `recipients`.
 *
 * (packages/shared has no Merkle code — the airdrop's builder is its own — so this is the
 * independent implementation, tested against API.md's golden vector.)
 */

const LEAF_DOMAIN = Buffer.from("btt-leaf-v1", "ascii");
const U128_MAX = (1n << 128n) - 1n;
const HASH_PATTERN = /^[0-9a-f]{64}$/i;

export interface LeafFields {
  roundId: string;
  /** the 21-byte address (0x41 prefix) */
  address: Uint8Array;
  liquid: bigint;
  frozen: bigint;
  unfreezing: bigint;
  amount: bigint;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

export function u128be(value: bigint): Buffer {
  if (value < 0n || value > U128_MAX) throw new RangeError(`${value} does not fit in u128`);
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(value >> 64n, 0);
  bytes.writeBigUInt64BE(value & 0xffff_ffff_ffff_ffffn, 8);
  return bytes;
}

export function hashLeaf(leaf: LeafFields): Buffer {
  if (leaf.address.length !== 21 || leaf.address[0] !== 0x41) {
    throw new RangeError("a leaf address is 21 bytes starting with 0x41");
  }
  return sha256(
    Buffer.from([0x00]),
    LEAF_DOMAIN,
    uuidBytes(leaf.roundId),
    leaf.address,
    u128be(leaf.liquid),
    u128be(leaf.frozen),
    u128be(leaf.unfreezing),
    u128be(leaf.amount),
  );
}

export function hashNode(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.from([0x01]), left, right);
}

export type RootResult = { ok: true; root: Buffer } | { ok: false; reason: string };

/** Folds the proof into the root it implies, or says why the proof cannot belong to such a tree. */
export function rootFromProof(
  leaf: Buffer,
  leafIndex: number,
  leafCount: number,
  proof: readonly string[],
): RootResult {
  if (!Number.isInteger(leafCount) || leafCount < 1) return { ok: false, reason: "the round has no leaves" };
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafCount) {
    return { ok: false, reason: `leafIndex ${leafIndex} is outside 0…${leafCount - 1}` };
  }
  const bad = proof.findIndex((hash) => !HASH_PATTERN.test(hash));
  if (bad >= 0) return { ok: false, reason: `proof[${bad}] is not a 32-byte hex hash` };
  let hash = leaf;
  let index = leafIndex;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    const promoted = width % 2 === 1 && index === width - 1;
    if (!promoted) {
      const sibling = proof[used];
      if (sibling === undefined) return { ok: false, reason: `the proof is too short (${proof.length})` };
      const siblingBytes = Buffer.from(sibling, "hex");
      hash = index % 2 === 1 ? hashNode(siblingBytes, hash) : hashNode(hash, siblingBytes);
      used += 1;
    }
    index = Math.floor(index / 2);
    width = Math.ceil(width / 2);
  }
  if (used !== proof.length) {
    return { ok: false, reason: `the proof has ${proof.length} hashes where the tree needs ${used}` };
  }
  return { ok: true, root: hash };
}

export interface Verification {
  ok: boolean;
  leaf: string;
  computedRoot: string | null;
  publishedRoot: string;
  reason: string | null;
}

/** Recomputes the root from the leaf's fields and the proof, and compares it with the published one. */
export function verifyEntitlementProof(
  leaf: LeafFields,
  leafIndex: number,
  leafCount: number,
  proof: readonly string[],
  publishedRoot: string,
): Verification {
  const leafHash = hashLeaf(leaf);
  const result = rootFromProof(leafHash, leafIndex, leafCount, proof);
  const base = { leaf: leafHash.toString("hex"), publishedRoot: publishedRoot.toLowerCase() };
  if (!result.ok) return { ...base, ok: false, computedRoot: null, reason: result.reason };
  const computedRoot = result.root.toString("hex");
  const ok = computedRoot === base.publishedRoot;
  return {
    ...base,
    ok,
    computedRoot,
    reason: ok ? null : "the recomputed root differs from the published root",
  };
}
