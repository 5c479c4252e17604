import fc from "fast-check";
import { TronWeb } from "tronweb";
import { describe, expect, it } from "vitest";
import { buildLevels, hashLeaf, proofFor, rootOf, u128be, uuidToBytes, verifyProof } from "./merkle.js";

// API.md "Merkle tree (fixed…)": golden vector.
const ROUND = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
const GOLDEN = [
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
];
const GOLDEN_ROOT = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";
const GOLDEN_PROOF_OF_LEAF_2 = ["12e5ff94fdaf87ef93fbaaaabca57e7df587ce91ce7ae5fd9f4a487977748a60"];

describe("Merkle tree (API.md golden vector)", () => {
  const roundId = uuidToBytes(ROUND);
  const leaves = GOLDEN.map((row) => hashLeaf(roundId, row));
  const levels = buildLevels(leaves);

  it("reproduces every leaf, the root and the proof of leaf 2", () => {
    expect(leaves.map((l) => l.toString("hex"))).toEqual(GOLDEN.map((g) => g.leaf));
    expect(rootOf(levels).toString("hex")).toBe(GOLDEN_ROOT);
    expect(proofFor(levels, 2).map((p) => p.toString("hex"))).toEqual(GOLDEN_PROOF_OF_LEAF_2);
  });

  it("verifies every golden proof and accepts the hex address form too", () => {
    const root = rootOf(levels);
    for (let i = 0; i < leaves.length; i += 1) {
      expect(verifyProof(leaves[i] as Buffer, i, leaves.length, proofFor(levels, i), root)).toBe(true);
    }
    const hex = TronWeb.address.toHex(GOLDEN[0]?.address as string);
    expect(hashLeaf(roundId, { ...(GOLDEN[0] as (typeof GOLDEN)[0]), address: hex }).toString("hex")).toBe(
      GOLDEN[0]?.leaf,
    );
  });

  it("encodes u128 big-endian and refuses what does not fit", () => {
    expect(u128be(1n).toString("hex")).toBe(`${"00".repeat(15)}01`);
    expect(u128be((1n << 128n) - 1n).toString("hex")).toBe("ff".repeat(16));
    expect(() => u128be(1n << 128n)).toThrow(RangeError);
    expect(() => u128be(-1n)).toThrow(RangeError);
  });
});

describe("Merkle proofs (properties)", () => {
  const leafArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

  it("verify for every leaf of any tree and fail for a tampered leaf, proof or index", () => {
    fc.assert(
      fc.property(fc.array(leafArb, { minLength: 1, maxLength: 70 }), fc.nat(), (leaves, pick) => {
        const levels = buildLevels(leaves);
        const root = rootOf(levels);
        for (let i = 0; i < leaves.length; i += 1) {
          expect(verifyProof(leaves[i] as Buffer, i, leaves.length, proofFor(levels, i), root)).toBe(true);
        }
        const i = pick % leaves.length;
        const tampered = Buffer.from(leaves[i] as Buffer);
        tampered[0] = (tampered[0] ?? 0) ^ 1;
        expect(verifyProof(tampered, i, leaves.length, proofFor(levels, i), root)).toBe(false);
        const proof = proofFor(levels, i);
        if (proof.length > 0) {
          const bad = proof.map((p) => Buffer.from(p));
          (bad[0] as Buffer)[31] = ((bad[0] as Buffer)[31] ?? 0) ^ 0x80;
          expect(verifyProof(leaves[i] as Buffer, i, leaves.length, bad, root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
