import { describe, expect, it } from "vitest";
import {
  BTT_TOTAL_SUPPLY,
  defaultSchedule,
  EVENT_BUDGET,
  INITIAL_DROP_POOL,
  scheduleYearTotal,
} from "./schedule.js";

const BTT = 1_000_000n;
/** Tenths of a percent of the total supply, exactly. */
const permille = (n: bigint) => (BTT_TOTAL_SUPPLY * n) / 1_000n;

describe("the default schedule (TOKENOMICS.md cross-checks)", () => {
  const schedule = defaultSchedule();

  it("has 73 drops totalling 97,020,000,000 BTT", () => {
    expect(schedule).toHaveLength(73);
    expect(schedule.reduce((s, e) => s + e.pool, 0n)).toBe(97_020_000_000n * BTT);
  });

  it("starts with the initial drop: 1.1 % of supply, snapshot at block 6,600,000, paid 2019-02-11", () => {
    expect(schedule[0]).toEqual({
      kind: "initial",
      label: "Initial airdrop",
      payoutDate: "2019-02-11",
      snapshot: { height: 6_600_000, at: null },
      pool: 10_890_000_000n * BTT,
    });
    expect(INITIAL_DROP_POOL).toBe(permille(11n));
  });

  it("totals 1.2 % of supply in the first year and adds 0.1 % a year up to 1.7 %", () => {
    const years = [2019, 2020, 2021, 2022, 2023, 2024].map((y) => scheduleYearTotal(schedule, y));
    expect(years).toEqual([12n, 13n, 14n, 15n, 16n, 17n].map(permille));
    expect(years[0]).toBe(11_880_000_000n * BTT);
    expect(years[1]).toBe(12_870_000_000n * BTT);
    expect(years[5]).toBe(16_830_000_000n * BTT);
  });

  it("pays monthly on the 11th from 2019-03-11 to 2025-02-11 with a 00:00 UTC snapshot", () => {
    const monthly = schedule.filter((e) => e.kind === "monthly");
    expect(monthly).toHaveLength(72);
    expect(monthly[0]?.payoutDate).toBe("2019-03-11");
    expect(monthly[71]?.payoutDate).toBe("2025-02-11");
    expect(new Set(monthly.map((e) => e.payoutDate)).size).toBe(72);
    for (const entry of monthly) {
      expect(entry.payoutDate).toMatch(/^\d{4}-\d{2}-11$/);
      expect(entry.snapshot).toEqual({ height: null, at: `${entry.payoutDate}T00:00:00.000Z` });
    }
    expect(monthly[9]).toMatchObject({ payoutDate: "2019-12-11", label: "Monthly airdrop Dec 2019" });
    expect(monthly[10]).toMatchObject({ payoutDate: "2020-01-11", pool: 990_000_000n * BTT });
    expect(monthly[12]).toMatchObject({ payoutDate: "2020-03-11", pool: 1_072_500_000n * BTT });
  });

  it("keeps an event budget of 10.1 % of supply", () => {
    expect(EVENT_BUDGET).toBe(99_990_000_000n * BTT);
    expect(EVENT_BUDGET).toBe(permille(101n));
  });
});
