import { parseDecimal } from "@btt/shared/money";

/**
 * The default airdrop schedule of TOKENOMICS.md, as data: the initial drop at block 6,600,000,
 * 72 monthly drops on the 11th (snapshot at 00:00:00 UTC on the payout date), and the event
 * budget. Pools are BTT base units (precision 6).
 */

export type ScheduleKind = "initial" | "monthly" | "event";

export interface ScheduleEntryData {
  kind: ScheduleKind;
  label: string;
  /** Payout date, ISO `YYYY-MM-DD` (UTC). */
  payoutDate: string;
  /** Exactly one of height and at is set. */
  snapshot: { height: number | null; at: string | null };
  pool: bigint;
}

export const BTT_DECIMALS = 6;
const btt = (whole: string) => parseDecimal(whole, BTT_DECIMALS);

export const BTT_TOTAL_SUPPLY = btt("990000000000");
export const INITIAL_DROP_POOL = btt("10890000000");
export const INITIAL_SNAPSHOT_HEIGHT = 6_600_000;
export const EVENT_BUDGET = btt("99990000000");

/** Monthly pool per schedule year; year y runs from 11 March y to 11 February y+1. */
export const MONTHLY_POOLS_BY_YEAR: readonly { firstYear: number; pool: bigint }[] = [
  { firstYear: 2019, pool: btt("990000000") },
  { firstYear: 2020, pool: btt("1072500000") },
  { firstYear: 2021, pool: btt("1155000000") },
  { firstYear: 2022, pool: btt("1237500000") },
  { firstYear: 2023, pool: btt("1320000000") },
  { firstYear: 2024, pool: btt("1402500000") },
];

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function defaultSchedule(): ScheduleEntryData[] {
  const entries: ScheduleEntryData[] = [
    {
      kind: "initial",
      label: "Initial airdrop",
      payoutDate: "2019-02-11",
      snapshot: { height: INITIAL_SNAPSHOT_HEIGHT, at: null },
      pool: INITIAL_DROP_POOL,
    },
  ];
  for (const { firstYear, pool } of MONTHLY_POOLS_BY_YEAR) {
    // March … December of firstYear, then January and February of the next year.
    for (let k = 0; k < 12; k += 1) {
      const month = ((2 + k) % 12) + 1; // 3..12, 1, 2
      const year = k < 10 ? firstYear : firstYear + 1;
      const payoutDate = `${year}-${String(month).padStart(2, "0")}-11`;
      entries.push({
        kind: "monthly",
        label: `Monthly airdrop ${MONTH_NAMES[month - 1]} ${year}`,
        payoutDate,
        snapshot: { height: null, at: `${payoutDate}T00:00:00.000Z` },
        pool,
      });
    }
  }
  return entries;
}

/** Σ pools of the monthly drops in the schedule year that starts on 11 March `firstYear`. */
export function scheduleYearTotal(entries: readonly ScheduleEntryData[], firstYear: number): bigint {
  const from = `${firstYear}-03-11`;
  const to = `${firstYear + 1}-02-11`;
  return entries
    .filter((e) => e.kind === "monthly" && e.payoutDate >= from && e.payoutDate <= to)
    .reduce((sum, e) => sum + e.pool, 0n);
}
