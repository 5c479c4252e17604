#!/usr/bin/env node
// The `btt` bin. pnpm links a bin at install time only if its file exists, and on a fresh clone
// install runs before `turbo run build` creates dist/, so the bin is this committed file, which
// loads the built CLI.
try {
  const { main } = await import("../dist/main.js");
  main();
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/main.js")) throw error;
  process.stderr.write(
    "btt: the CLI is not built yet: run `npm run setup` (or `pnpm exec turbo run build`)\n",
  );
  process.exitCode = 2;
}
