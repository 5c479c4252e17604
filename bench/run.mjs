// `npm run bench`: sets up what is missing, runs every bench/*.mjs (except this file) in turn, and
// closes with one table of every headline figure: its value, the baseline measured in the same
// run, the ratio and the goal. `npm run bench -- ledger gateway` runs only those.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setupAll } from "../infra/stack/lib/setup.mjs";
import { bold, fail, green, run } from "../infra/stack/lib/tools.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
await setupAll();
const only = process.argv.slice(2);
const resultsDir = mkdtempSync(path.join(os.tmpdir(), "btt-bench-"));
const resultsFile = path.join(resultsDir, "figures.jsonl");
const failures = [];
const started = Date.now();
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs")
  .sort()) {
  const name = path.basename(file, ".mjs");
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n${bold(`bench/${name}`)}`);
  try {
    run(process.execPath, [path.join(here, file)], {
      env: { ...process.env, BTT_BENCH_RESULTS: resultsFile },
    });
  } catch (error) {
    // a bench that misses a goal exits non-zero after printing; the table still shows the rest
    failures.push(`${name}: ${error.message}`);
  }
}

const figures = (() => {
  try {
    return readFileSync(resultsFile, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  } catch {
    return [];
  }
})();
rmSync(resultsDir, { recursive: true, force: true });

const number = (v) =>
  typeof v !== "number"
    ? (v ?? "")
    : v >= 100
      ? Math.round(v).toLocaleString("en")
      : v.toLocaleString("en", { maximumSignificantDigits: 3 });
const table = [
  ["bench", "figure", "value", "baseline (same run)", "baseline value", "ratio", "goal", "met"],
  ...figures.map((f) => [
    f.bench,
    f.figure,
    number(f.value),
    f.baseline ?? "",
    number(f.baselineValue),
    typeof f.ratio === "number" ? `${f.ratio.toFixed(2)}×` : "",
    f.goal ?? "",
    f.met === undefined ? "" : f.met ? "yes" : "MISSED",
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
console.log(
  `\n${bold(`npm run bench: ${figures.length} figures in ${((Date.now() - started) / 60_000).toFixed(1)} min`)}`,
);
for (const [i, row] of table.entries()) {
  console.log(
    row
      .map((cell, c) =>
        c === 2 || c === 4 || c === 5 ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]),
      )
      .join("  "),
  );
  if (i === 0) console.log(widths.map((w) => "─".repeat(w)).join("  "));
}
const missed = figures.filter((f) => f.met === false).length;
console.log(
  missed === 0
    ? green(`every goal met`)
    : `${missed} of ${figures.filter((f) => f.met !== undefined).length} goals missed`,
);
for (const f of failures) fail(f);
process.exitCode = failures.length > 0 ? 1 : 0;
