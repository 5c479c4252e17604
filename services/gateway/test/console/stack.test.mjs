// Runs the console's browser suite against an already running stack:
//   BTT_STACK_FILE=.btt/stack.json node --test services/gateway/test/console/stack.test.mjs
// (infra/test/stack.test.mjs calls consoleSuite itself on the stack it starts.)
import { readFileSync } from "node:fs";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { consoleSuite } from "./stack-suite.mjs";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const stackFile = process.env.BTT_STACK_FILE;

test("operator console in headless Chromium", {
  skip: stackFile ? false : "BTT_STACK_FILE is not set: point it at a running stack's stack.json",
}, async (t) => {
  const stack = JSON.parse(readFileSync(path.resolve(stackFile ?? ""), "utf8"));
  await consoleSuite(t, { stack, artifactsDir: path.join(repoRoot, ".btt/artifacts/console") });
});
