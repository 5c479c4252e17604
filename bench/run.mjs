// `npm run bench`: sets up what is missing, then runs every bench/*.mjs (except this file) in turn.
// Each prints its figures beside a baseline measured in the same run.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setupAll } from "../infra/stack/lib/setup.mjs";
import { bold, run } from "../infra/stack/lib/tools.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
await setupAll();
const only = process.argv.slice(2);
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs")
  .sort()) {
  if (only.length > 0 && !only.includes(path.basename(file, ".mjs"))) continue;
  console.log(`\n${bold(`bench/${path.basename(file, ".mjs")}`)}`);
  run(process.execPath, [path.join(here, file)]);
}
