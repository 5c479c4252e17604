// Runs the CLI's stack suite against an already running stack, the way to develop it:
//   BTT_STACK_FILE=.btt/stack.json node --test packages/cli/test/stack.test.mjs
// (infra/test/stack.test.mjs calls the same cliSuite on the stack it starts.)
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { cliSuite } from "./stack-suite.mjs";

const stackFile = process.env.BTT_STACK_FILE;

test("btt CLI against the running stack", {
  skip: stackFile ? false : "BTT_STACK_FILE is not set (the path to a running stack's stack.json)",
}, async (t) => {
  const stack = JSON.parse(readFileSync(stackFile, "utf8"));
  await cliSuite(t, { stack });
});
