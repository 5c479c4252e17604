import { describe, expect, it } from "vitest";
import {
  formatFields,
  formatPercent,
  formatProgressBar,
  formatProgressLine,
  formatTable,
  formatUnits,
} from "../src/format.js";

describe("formatUnits", () => {
  it("prints base units as BTT with six decimals and grouped thousands", () => {
    expect(formatUnits("0")).toBe("0.000000");
    expect(formatUnits("1")).toBe("0.000001");
    expect(formatUnits("1000000")).toBe("1.000000");
    expect(formatUnits("1234567890")).toBe("1,234.567890");
    expect(formatUnits("10890000000000000")).toBe("10,890,000,000.000000");
  });

  it("stays exact beyond 2^53 and up to u128 (bigint, never Number)", () => {
    expect(formatUnits("9007199254740993")).toBe("9,007,199,254.740993");
    expect(formatUnits((1n << 128n) - 1n)).toBe("340,282,366,920,938,463,463,374,607,431,768.211455");
  });

  it("takes the ledger's signed totals", () => {
    expect(formatUnits("-2083751400000")).toBe("-2,083,751.400000");
  });

  it("refuses what is not a decimal string of base units", () => {
    expect(() => formatUnits("1.5")).toThrow();
    expect(() => formatUnits("1e6")).toThrow();
  });
});

describe("tables", () => {
  it("aligns columns, right-aligns numbers and trims trailing blanks", () => {
    const text = formatTable(
      [{ title: "NAME" }, { title: "POOL", align: "right" }, { title: "NOTE" }],
      [
        ["a", "1.000000", ""],
        ["longer", "1,000.000000", "x"],
      ],
    );
    expect(text.split("\n")).toEqual([
      "NAME            POOL  NOTE",
      "a           1.000000",
      "longer  1,000.000000  x",
    ]);
  });

  it("indents a field's further lines under its value", () => {
    expect(
      formatFields([
        ["key", "one\ntwo"],
        ["longer key", "v"],
      ]),
    ).toBe("key         one\n            two\nlonger key  v");
  });
});

describe("progress", () => {
  const progress = { recipients: 1000, confirmed: 500, pending: 250, failed: 100, paid: "0" };

  it("draws confirmed, pending, failed and the rest in proportion", () => {
    expect(formatProgressBar(progress, 20)).toBe(`[${"█".repeat(10)}${"▒".repeat(5)}xx${"░".repeat(3)}]`);
    expect(formatProgressBar({ ...progress, confirmed: 1000, pending: 0, failed: 0 }, 10)).toBe(
      `[${"█".repeat(10)}]`,
    );
    expect(formatProgressBar({ ...progress, recipients: 0, confirmed: 0, pending: 0, failed: 0 }, 4)).toBe(
      "[░░░░]",
    );
  });

  it("truncates percentages, so 100% means done", () => {
    expect(formatPercent(1858, 1859)).toBe("99.9%");
    expect(formatPercent(1859, 1859)).toBe("100.0%");
    expect(formatPercent(0, 0)).toBe("0.0%");
  });

  it("puts bar, percentage, counts and status on one line", () => {
    expect(formatProgressLine("distributing", progress, 4)).toBe(
      "[██▒░]  50.0%  confirmed 500/1000  pending 250  failed 100  distributing",
    );
    expect(formatProgressLine("computed", null)).toBe("computed: no payouts yet");
  });
});
