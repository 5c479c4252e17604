import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { findAddressCollision, privateKeyFromLabel, writePopulationAddressBody } from "./keys.js";
import { drawMagnitude, magnitudeTable, Sfc32 } from "./prng.js";

describe("address collision check", () => {
  const bodies = Buffer.alloc(4 * 20);
  for (let i = 0; i < 4; i++) writePopulationAddressBody(7, i, bodies, i * 20);

  test("distinct addresses pass", () => {
    expect(findAddressCollision(bodies, [`41${"ab".repeat(20)}`])).toBeUndefined();
  });

  test("two equal population addresses are reported with their indices", () => {
    const forged = Buffer.from(bodies);
    bodies.copy(forged, 3 * 20, 1 * 20, 2 * 20);
    expect(findAddressCollision(forged, [])).toBe(
      `population account 1 and population account 3 share the address 41${bodies.toString("hex", 20, 40)}`,
    );
  });

  test("a population address equal to a reserved (dev/witness) address is reported", () => {
    const reserved = `41${bodies.toString("hex", 40, 60)}`;
    expect(findAddressCollision(bodies, [`41${"00".repeat(20)}`, reserved])).toBe(
      `population account 2 and reserved address ${reserved} share the address ${reserved}`,
    );
  });

  test("equal 48-bit prefixes alone are not a collision", () => {
    const forged = Buffer.from(bodies);
    bodies.copy(forged, 3 * 20, 1 * 20, 1 * 20 + 6); // same first 6 bytes, different rest
    expect(findAddressCollision(forged, [])).toBeUndefined();
  });
});

describe("private keys", () => {
  test("sha256 of the label, 64 hex chars", () => {
    expect(privateKeyFromLabel("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("sfc32", () => {
  test("is deterministic per label and per index", () => {
    const a = Sfc32.fromLabel("x");
    const b = Sfc32.fromLabel("x");
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    expect(Sfc32.fromLabel("y").nextU32()).not.toBe(seqA[0]);
    const key = Sfc32.keyFromLabel("k");
    expect(Sfc32.forIndex(key, 42).nextU32()).toBe(Sfc32.forIndex(key, 42).nextU32());
    const firsts = new Set(Array.from({ length: 1000 }, (_, i) => Sfc32.forIndex(key, i).nextU32()));
    expect(firsts.size).toBeGreaterThan(995);
  });

  test("below(n) stays in [0, n) and chance(p) has about the right frequency", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string(), (n, label) => {
        const rng = Sfc32.fromLabel(label);
        for (let i = 0; i < 20; i++) {
          const v = rng.below(n);
          if (!Number.isInteger(v) || v < 0 || v >= n) return false;
        }
        return true;
      }),
    );
    const rng = Sfc32.fromLabel("chance");
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (rng.chance(0.15)) hits += 1;
    expect(hits / 100_000).toBeGreaterThan(0.145);
    expect(hits / 100_000).toBeLessThan(0.155);
    expect(() => rng.below(0)).toThrow(RangeError);
  });

  test("drawMagnitude stays within the table's decades", () => {
    const table = magnitudeTable(2, [1, 1, 1]);
    const rng = Sfc32.fromLabel("m");
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const v = drawMagnitude(rng, table);
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(100);
      expect(v).toBeLessThan(100_000);
      seen.add(String(v).length);
    }
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });
});
