// The round Merkle tree of API.md ("Merkle tree (fixed)"), written again from the contract alone so
// the end-to-end suite checks the services' proofs with code that shares nothing with them.
import { createHash } from "node:crypto";
import { TronWeb } from "tronweb";

const LEAF_TAG = Buffer.from("btt-leaf-v1", "ascii");

const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();

function u128be(value) {
  const n = BigInt(value);
  if (n < 0n || n >= 1n << 128n) throw new RangeError(`${value} does not fit u128`);
  const out = Buffer.alloc(16);
  out.writeBigUInt64BE(n >> 64n, 0);
  out.writeBigUInt64BE(n & 0xffff_ffff_ffff_ffffn, 8);
  return out;
}

/** The 21-byte `41…` form of a base58 address. */
export function addressBytes(base58) {
  if (!TronWeb.isAddress(base58)) throw new Error(`not a TRON address: ${base58}`);
  return Buffer.from(TronWeb.address.toHex(base58), "hex");
}

export function leafHash(roundId, { address, liquid, frozen, unfreezing, amount }) {
  return sha256(
    Buffer.from([0]),
    LEAF_TAG,
    Buffer.from(roundId.replaceAll("-", ""), "hex"),
    addressBytes(address),
    u128be(liquid),
    u128be(frozen),
    u128be(unfreezing),
    u128be(amount),
  );
}

const node = (left, right) => sha256(Buffer.from([1]), left, right);

/** The root over leaves already in leaf order; an odd level promotes its last hash. */
export function rootOf(leaves) {
  if (leaves.length === 0) throw new Error("no leaves");
  let level = leaves;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(node(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0].toString("hex");
}

/** Folds a proof (siblings from the leaf up; bit i of leafIndex: sibling on the left) into a root. */
export function rootFromProof(leaf, leafIndex, proof, leafCount) {
  let hash = leaf;
  let index = leafIndex;
  let width = leafCount;
  const siblings = [...proof];
  while (width > 1) {
    const promoted = width % 2 === 1 && index === width - 1;
    if (!promoted) {
      const sibling = Buffer.from(siblings.shift() ?? "", "hex");
      if (sibling.length !== 32) throw new Error("proof too short");
      hash = index % 2 === 1 ? node(sibling, hash) : node(hash, sibling);
    }
    index = Math.floor(index / 2);
    width = Math.ceil(width / 2);
  }
  if (siblings.length > 0) throw new Error("proof too long");
  return hash.toString("hex");
}
