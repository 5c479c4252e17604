// The figures a bench reports, for `npm run bench`'s closing table (bench/run.mjs): each bench
// prints its own detail and also hands its headline figures here. Under bench/run.mjs they are
// appended as JSON lines to BTT_BENCH_RESULTS; run alone, a bench just prints.
import { appendFileSync } from "node:fs";

/**
 * `figures`: `{ figure, value, baseline?, baselineValue?, ratio?, goal?, met? }` — value and
 * baselineValue as numbers (or strings), ratio as a number (value / baselineValue), met a boolean
 * when the figure has a goal.
 */
export function reportFigures(bench, figures) {
  const file = process.env.BTT_BENCH_RESULTS;
  if (!file) return;
  // JSON has no infinity: a latency never reached (∞) stays visible in the table as text
  const shown = (v) => (typeof v === "number" && !Number.isFinite(v) ? (v > 0 ? "∞" : String(v)) : v);
  for (const f of figures)
    appendFileSync(
      file,
      `${JSON.stringify({ bench, ...f, value: shown(f.value), baselineValue: shown(f.baselineValue) })}\n`,
    );
}
