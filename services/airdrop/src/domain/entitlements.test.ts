import fc from "fast-check";
import { TronWeb } from "tronweb";
import { describe, expect, it } from "vitest";
import { computeEntitlements, type HoldingRow } from "./entitlements.js";

/** Deterministic distinct base58 addresses from an index (no key derivation needed). */
function address(i: number): string {
  const hex = `41${(i + 1).toString(16).padStart(40, "0")}`;
  return TronWeb.address.fromHex(hex);
}

const holdingArb = fc.record({
  liquid: fc.bigInt({ min: 0n, max: 10n ** 17n }),
  frozen: fc.bigInt({ min: 0n, max: 10n ** 16n }),
  unfreezing: fc.bigInt({ min: 0n, max: 10n ** 15n }),
});

const holdingsArb = fc
  .array(holdingArb, { minLength: 1, maxLength: 120 })
  .map((rows) => rows.map((r, i): HoldingRow => ({ address: address(i), ...r })));

function total(r: HoldingRow): bigint {
  return r.liquid + r.frozen + r.unfreezing;
}

describe("computeEntitlements (TOKENOMICS.md)", () => {
  it("gives Σ = pool exactly, each a_i ∈ {floor(h_i·P/E), +1}, when the pool is below the eligible total", () => {
    fc.assert(
      fc.property(holdingsArb, fc.bigInt({ min: 1n, max: 10n ** 18n }), (holdings, poolSeed) => {
        const eligible = holdings.filter((h) => total(h) > 0n);
        const E = eligible.reduce((s, h) => s + total(h), 0n);
        fc.pre(E > 1n);
        const pool = poolSeed % E; // P < E
        const table = computeEntitlements({ holdings, pool, exclusions: [], minHoldingSun: 0n });
        expect(table.eligibleTotal).toBe(E);
        expect(table.distributed).toBe(pool);
        expect(table.undistributed).toBe(0n);
        const byAddress = new Map(table.rows.map((r) => [r.address, r.amount]));
        for (const h of eligible) {
          const floor = (total(h) * pool) / E;
          const a = byAddress.get(h.address) ?? 0n;
          expect(a === floor || a === floor + 1n).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives a_i = h_i when the pool covers everyone, and reports the rest as undistributed", () => {
    fc.assert(
      fc.property(holdingsArb, fc.bigInt({ min: 0n, max: 10n ** 15n }), (holdings, extra) => {
        const E = holdings.reduce((s, h) => s + total(h), 0n);
        const table = computeEntitlements({ holdings, pool: E + extra, exclusions: [], minHoldingSun: 0n });
        for (const row of table.rows) expect(row.amount).toBe(row.total);
        expect(table.undistributed).toBe(extra);
        expect(table.ratio).toMatchObject({ numerator: 1n, denominator: 1n, decimal: "1" });
      }),
    );
  });

  it("is identical for shuffled input", () => {
    fc.assert(
      fc.property(holdingsArb, fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.nat(), (holdings, pool, seed) => {
        const shuffled = [...holdings];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i -= 1) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as HoldingRow, shuffled[i] as HoldingRow];
        }
        const a = computeEntitlements({ holdings, pool, exclusions: [], minHoldingSun: 0n });
        const b = computeEntitlements({ holdings: shuffled, pool, exclusions: [], minHoldingSun: 0n });
        expect(b).toEqual(a);
      }),
    );
  });

  it("orders rows by the 21-byte address and gives the remainder by largest fraction, ties by address", () => {
    // Three equal holders, pool 2: floors are 0, fractions equal, so the two lowest addresses get 1.
    const holdings = [2, 0, 1].map((i) => ({ address: address(i), liquid: 5n, frozen: 0n, unfreezing: 0n }));
    const table = computeEntitlements({ holdings, pool: 2n, exclusions: [], minHoldingSun: 0n });
    expect(table.rows.map((r) => [r.address, r.amount])).toEqual([
      [address(0), 1n],
      [address(1), 1n],
    ]);
    expect(table.zeroAmountHolders).toBe(1);
    expect(table.ratio).toMatchObject({ numerator: 2n, denominator: 15n, decimal: "0.133333333333333" });
  });

  it("applies exclusions (recording the holding they removed) and the minimum holding", () => {
    const holdings = [0, 1, 2].map((i) => ({
      address: address(i),
      liquid: BigInt((i + 1) * 100),
      frozen: 0n,
      unfreezing: 0n,
    }));
    const table = computeEntitlements({
      holdings,
      pool: 1_000n,
      exclusions: [
        { address: address(2), reason: "custody" },
        { address: address(9), reason: "never held" },
      ],
      minHoldingSun: 150n,
    });
    expect(table.rows.map((r) => [r.address, r.amount])).toEqual([[address(1), 200n]]);
    expect(table.eligibleTotal).toBe(200n);
    expect(table.exclusions).toEqual([
      { address: address(2), reason: "custody", holding: 300n },
      { address: address(9), reason: "never held", holding: 0n },
    ]);
  });

  it("rejects duplicate holders and negative components", () => {
    const row = { address: address(0), liquid: 1n, frozen: 0n, unfreezing: 0n };
    expect(() =>
      computeEntitlements({ holdings: [row, row], pool: 1n, exclusions: [], minHoldingSun: 0n }),
    ).toThrow(/duplicate/);
    expect(() =>
      computeEntitlements({
        holdings: [{ ...row, frozen: -1n }],
        pool: 1n,
        exclusions: [],
        minHoldingSun: 0n,
      }),
    ).toThrow(/negative/);
  });

  it("computes the initial drop's ratio on a small realistic table", () => {
    // 10,890,000,000 BTT over 99,000,000,000 TRX eligible = 0.11 BTT per TRX (TOKENOMICS.md).
    const holdings = [
      { address: address(0), liquid: 90_000_000_000_000_000n, frozen: 0n, unfreezing: 0n },
      { address: address(1), liquid: 8_000_000_000_000_000n, frozen: 1_000_000_000_000_000n, unfreezing: 0n },
    ];
    const pool = 10_890_000_000_000_000n;
    const table = computeEntitlements({ holdings, pool, exclusions: [], minHoldingSun: 0n });
    expect(table.ratio).toMatchObject({ numerator: 11n, denominator: 100n, decimal: "0.11" });
    expect(table.rows.map((r) => r.amount)).toEqual([9_900_000_000_000_000n, 990_000_000_000_000n]);
  });
});

describe("address order", () => {
  it("orders base58 addresses as strings exactly as their 21 bytes (the Merkle leaf order)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (a, b) => {
          const ha = `41${Buffer.from(a).toString("hex")}`;
          const hb = `41${Buffer.from(b).toString("hex")}`;
          const sa = TronWeb.address.fromHex(ha);
          const sb = TronWeb.address.fromHex(hb);
          expect(sa).toHaveLength(34);
          expect(Math.sign(sa < sb ? -1 : sa > sb ? 1 : 0)).toBe(
            Math.sign(Buffer.compare(Buffer.from(ha, "hex"), Buffer.from(hb, "hex"))),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
