// `npm run devnet -- --port 9090 --accounts 100000 --seed 7 --block-time 500`: sets up what is
// missing, then runs the TRON development chain in the foreground (packages/tron-devnet).
import { spawn } from "node:child_process";
import path from "node:path";
import { setupAll } from "./lib/setup.mjs";
import { fail, REPO_ROOT } from "./lib/tools.mjs";

try {
  await setupAll({ quiet: true });
} catch (error) {
  fail(error.message);
  process.exit(error.exitCode ?? 1);
}
const child = spawn(
  process.execPath,
  [path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js"), ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
