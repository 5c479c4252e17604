import { parseBaseUnits } from "@btt/shared/money";
import type { RoundProgress } from "./api.js";

/**
 * Human output: amounts, aligned tables, key/value blocks and the progress bar. Amounts are bigint
 * from the API's decimal strings to the printed digits; a Number never holds money here.
 */

export const BTT_DECIMALS = 6;
/** TRX holdings are in sun, also 6 decimals */
export const TRX_DECIMALS = 6;

/**
 * Base units as a grouped decimal with every fractional digit: 1234567890 → "1,234.567890".
 * Takes the API's decimal strings (a leading "-" for the ledger's signed totals) or a bigint.
 */
export function formatUnits(amount: bigint | string, decimals = BTT_DECIMALS): string {
  const value =
    typeof amount !== "string"
      ? amount
      : amount.startsWith("-")
        ? -parseBaseUnits(amount.slice(1))
        : parseBaseUnits(amount);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? "-" : ""}${whole}${decimals > 0 ? `.${fraction}` : ""}`;
}

/** Like formatUnits, for values that may be absent (a round still computing). */
export function formatOptionalUnits(amount: string | null | undefined, decimals = BTT_DECIMALS): string {
  return amount === null || amount === undefined ? "-" : formatUnits(amount, decimals);
}

export interface Column {
  title: string;
  align?: "left" | "right";
}

/** An aligned text table: two spaces between columns, numbers right-aligned, no trailing blanks. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(displayWidth(column.title), ...rows.map((row) => displayWidth(row[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        const pad = " ".repeat((widths[i] ?? 0) - displayWidth(cell));
        return column.align === "right" ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join("\n");
}

/** `key   value` lines with the values aligned; a value's further lines are indented under it. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([key]) => key.length));
  const indent = " ".repeat(width + 2);
  return fields
    .map(([key, value]) => `${key.padEnd(width)}  ${value.split("\n").join(`\n${indent}`)}`.trimEnd())
    .join("\n");
}

function displayWidth(text: string): number {
  return [...text].length;
}

/** confirmed / recipients as a percentage with one decimal, truncated ("62.3%"). */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return "0.0%";
  const tenths = Math.floor((part * 1000) / whole);
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

export const BAR_WIDTH = 30;

/**
 * `[█████▒▒▒x░░░░]`: confirmed (█), pending (▒), failed (x), not yet sent (░). Each segment is
 * rounded down, so a cell appears only once its share is reached; a complete round fills the bar.
 */
export function formatProgressBar(progress: RoundProgress, width = BAR_WIDTH): string {
  const total = Math.max(progress.recipients, 1);
  const cells = (count: number) => Math.floor((Math.min(count, total) * width) / total);
  const confirmed = cells(progress.confirmed);
  const pending = Math.min(cells(progress.pending), width - confirmed);
  const failed = Math.min(cells(progress.failed), width - confirmed - pending);
  const rest = width - confirmed - pending - failed;
  return `[${"█".repeat(confirmed)}${"▒".repeat(pending)}${"x".repeat(failed)}${"░".repeat(rest)}]`;
}

/** One line of `rounds watch`: bar, percentage, counts, status. */
export function formatProgressLine(
  status: string,
  progress: RoundProgress | null,
  width = BAR_WIDTH,
): string {
  if (!progress) return `${status}: no payouts yet`;
  const { recipients, confirmed, pending, failed } = progress;
  return (
    `${formatProgressBar(progress, width)} ${formatPercent(confirmed, recipients).padStart(6)}  ` +
    `confirmed ${confirmed}/${recipients}  pending ${pending}  failed ${failed}  ${status}`
  );
}

/** ISO time without milliseconds, as operators read it: "2026-11-24 07:41:11Z". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}
