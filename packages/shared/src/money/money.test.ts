import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AmountError,
  formatBaseUnits,
  formatDecimal,
  fractionToDecimal,
  MAX_AMOUNT,
  mulDivFloor,
  mulDivFloorRem,
  parseBaseUnits,
  parseDecimal,
  reduceFraction,
} from "./index.js";

describe("base-unit strings", () => {
  it("parses the BTT total supply exactly", () => {
    expect(parseBaseUnits("990000000000000000")).toBe(990_000_000_000n * 1_000_000n);
  });

  it.each(["", "-1", "01", "1.0", "1e6", " 1", "0x10", "１"])("refuses %j", (text) => {
    expect(() => parseBaseUnits(text)).toThrow(AmountError);
  });

  it("refuses amounts beyond u128", () => {
    expect(() => parseBaseUnits((MAX_AMOUNT + 1n).toString())).toThrow(/exceeds/);
    expect(parseBaseUnits(MAX_AMOUNT.toString())).toBe(MAX_AMOUNT);
  });

  it("round-trips any amount", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT }), (amount) => {
        expect(parseBaseUnits(formatBaseUnits(amount))).toBe(amount);
      }),
    );
  });
});

describe("decimals", () => {
  it("parses and prints 6-decimal tokens without rounding", () => {
    expect(parseDecimal("1.5", 6)).toBe(1_500_000n);
    expect(parseDecimal("0.000001", 6)).toBe(1n);
    expect(parseDecimal("10890000000", 6)).toBe(10_890_000_000_000_000n);
    expect(() => parseDecimal("0.0000001", 6)).toThrow(/more than 6 decimal places/);
    expect(formatDecimal(1_500_000n, 6)).toBe("1.5");
    expect(formatDecimal(1n, 6)).toBe("0.000001");
    expect(formatDecimal(0n, 6)).toBe("0");
    expect(formatDecimal(-2_000_000n, 6)).toBe("-2");
  });

  it("round-trips", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 18 }),
        (amount, decimals) => {
          expect(parseDecimal(formatDecimal(amount, decimals), decimals)).toBe(amount);
        },
      ),
    );
  });
});

describe("mulDivFloor", () => {
  it("is exact far beyond 2^53", () => {
    const pool = 10_890_000_000_000_000n;
    const holding = 123_456_789_012_345n;
    const eligible = 98_765_432_109_876_543n;
    const { quotient, remainder } = mulDivFloorRem(holding, pool, eligible);
    expect(quotient * eligible + remainder).toBe(holding * pool);
    expect(remainder < eligible).toBe(true);
  });

  it("satisfies q·c ≤ a·b < (q+1)·c", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        (a, b, c) => {
          const q = mulDivFloor(a, b, c);
          expect(q * c <= a * b).toBe(true);
          expect((q + 1n) * c > a * b).toBe(true);
        },
      ),
    );
  });

  it("rejects negative factors and non-positive divisors", () => {
    expect(() => mulDivFloor(-1n, 1n, 1n)).toThrow(RangeError);
    expect(() => mulDivFloor(1n, 1n, 0n)).toThrow(RangeError);
  });
});

describe("fractions", () => {
  it("reduces and prints with enough significant digits", () => {
    expect(reduceFraction(10n, 4n)).toEqual({ numerator: 5n, denominator: 2n });
    expect(fractionToDecimal(1n, 3n, 12)).toBe("0.333333333333");
    expect(fractionToDecimal(2n, 1n)).toBe("2");
    expect(fractionToDecimal(11n, 100_000_000n, 12)).toBe("0.00000011");
    expect(fractionToDecimal(1_089n, 9_900n, 12)).toBe("0.11");
    expect(fractionToDecimal(22n, 7n, 12).replace(".", "").length).toBeGreaterThanOrEqual(12);
  });
});
