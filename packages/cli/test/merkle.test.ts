import { addressToBytes } from "@btt/shared/tron";
import { describe, expect, it } from "vitest";
import { hashLeaf, hashNode, rootFromProof, u128be, verifyEntitlementProof } from "../src/merkle.js";

// API.md "Merkle tree (fixed)": the golden vector, copied verbatim
const ROUND = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
const LEAVES = [
  {
    address: "TBvJUBXorwBPzqvV38vjDgegj5Eh6g2Tsq",
    liquid: 250000000n,
    frozen: 5000000000n,
    unfreezing: 1000000n,
    amount: 525100n,
    leaf: "c3f294f52d571aba9db615f329c0368d853e617391cdc9e08a80f360aa269ebe",
  },
  {
    address: "TCLBgkbfVkJroVBJVqBEsxtPNQEQMTQCLQ",
    liquid: 1000000n,
    frozen: 0n,
    unfreezing: 0n,
    amount: 100n,
    leaf: "93822f466f247ba25000c70c912217a48efeb5a24cf4086edbc7fee9dcfe416a",
  },
  {
    address: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
    liquid: 7n,
    frozen: 0n,
    unfreezing: 0n,
    amount: 1n,
    leaf: "413a7d1e890a357ca1277ca02753bc51440c00dd2676e50bd666e432278aa6b3",
  },
] as const;
const ROOT = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";
const PROOF_OF_LEAF_2 = ["12e5ff94fdaf87ef93fbaaaabca57e7df587ce91ce7ae5fd9f4a487977748a60"];

const fields = (i: number) => {
  const leaf = LEAVES[i] as (typeof LEAVES)[number];
  return { ...leaf, roundId: ROUND, address: addressToBytes(leaf.address) };
};

describe("the Merkle encoding of API.md", () => {
  it("hashes each golden leaf to its published hash", () => {
    LEAVES.forEach((leaf, i) => {
      expect(hashLeaf(fields(i)).toString("hex")).toBe(leaf.leaf);
    });
  });

  it("hashes leaves 0 and 1 into the published proof of leaf 2, and that into the root", () => {
    const left = hashNode(hashLeaf(fields(0)), hashLeaf(fields(1)));
    expect(left.toString("hex")).toBe(PROOF_OF_LEAF_2[0]);
    expect(hashNode(left, hashLeaf(fields(2))).toString("hex")).toBe(ROOT);
  });

  it("writes u128 big-endian, refusing what does not fit", () => {
    expect(u128be(1n).toString("hex")).toBe(`${"00".repeat(15)}01`);
    expect(u128be((1n << 128n) - 1n).toString("hex")).toBe("ff".repeat(16));
    expect(() => u128be(1n << 128n)).toThrow(RangeError);
    expect(() => u128be(-1n)).toThrow(RangeError);
  });
});

describe("verifyEntitlementProof", () => {
  it("accepts the published proof of leaf 2 (promoted at the first level: one sibling only)", () => {
    const result = verifyEntitlementProof(fields(2), 2, 3, PROOF_OF_LEAF_2, ROOT);
    expect(result).toMatchObject({ ok: true, computedRoot: ROOT, reason: null, leaf: LEAVES[2].leaf });
  });

  it("accepts proofs of leaves 0 and 1 (sibling on the right, then on the left)", () => {
    const leaf2 = LEAVES[2].leaf;
    expect(verifyEntitlementProof(fields(0), 0, 3, [LEAVES[1].leaf, leaf2], ROOT).ok).toBe(true);
    expect(verifyEntitlementProof(fields(1), 1, 3, [LEAVES[0].leaf, leaf2], ROOT).ok).toBe(true);
  });

  it("rejects a tampered proof hash, a tampered amount, another round, a wrong index", () => {
    const hash = PROOF_OF_LEAF_2[0] as string;
    const tampered = [`${hash.slice(0, 63)}${hash.endsWith("0") ? "1" : "0"}`];
    const proof = verifyEntitlementProof(fields(2), 2, 3, tampered, ROOT);
    expect(proof.ok).toBe(false);
    expect(proof.computedRoot).not.toBe(ROOT);
    expect(verifyEntitlementProof({ ...fields(2), amount: 2n }, 2, 3, PROOF_OF_LEAF_2, ROOT).ok).toBe(false);
    const otherRound = { ...fields(2), roundId: "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f61" };
    expect(verifyEntitlementProof(otherRound, 2, 3, PROOF_OF_LEAF_2, ROOT).ok).toBe(false);
    expect(verifyEntitlementProof(fields(0), 1, 3, [LEAVES[1].leaf, LEAVES[2].leaf], ROOT).ok).toBe(false);
  });

  it("rejects proofs of the wrong shape with a reason, never a throw", () => {
    expect(rootFromProof(hashLeaf(fields(2)), 2, 3, [])).toEqual({
      ok: false,
      reason: "the proof is too short (0)",
    });
    expect(rootFromProof(hashLeaf(fields(2)), 2, 3, [...PROOF_OF_LEAF_2, ROOT])).toMatchObject({ ok: false });
    expect(rootFromProof(hashLeaf(fields(2)), 2, 3, ["zz"])).toMatchObject({ ok: false });
    expect(rootFromProof(hashLeaf(fields(2)), 3, 3, PROOF_OF_LEAF_2)).toMatchObject({ ok: false });
  });

  it("takes a single leaf as its own root", () => {
    const leaf = hashLeaf(fields(0));
    expect(verifyEntitlementProof(fields(0), 0, 1, [], leaf.toString("hex")).ok).toBe(true);
  });

  it("compares roots case-insensitively", () => {
    expect(verifyEntitlementProof(fields(2), 2, 3, PROOF_OF_LEAF_2, ROOT.toUpperCase()).ok).toBe(true);
  });
});
