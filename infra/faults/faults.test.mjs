// `npm run test:faults` (infra/faults/run.mjs): the full fault suite on a stack of its own — a
// 10,000-account demo population, the demo's Speed swarm, three rounds of every fault.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { portOpen, startStack } from "../test/lib/stack-harness.mjs";
import { FAULT_PLANS, faultSuite } from "./suite.mjs";

let harness;
after(async () => {
  await harness?.stop();
  await harness?.cleanup();
});

test("the full fault suite", { timeout: 1_800_000 }, async (t) => {
  harness = await startStack({
    portBase: 38080,
    env: { DEVNET_ACCOUNTS: process.env.FAULTS_ACCOUNTS ?? "10000", DEVNET_BLOCK_TIME_MS: "250" },
  });
  await harness.waitForOutput(/initial airdrop completed/, 300_000);
  await harness.waitForOutput(/Speed traffic is live/, 120_000);
  await faultSuite(t, { harness, plan: FAULT_PLANS.full });
  const { code } = await harness.stop();
  assert.equal(code, 0, harness.output());
  for (const port of harness.allPorts()) assert.equal(await portOpen(port), false, `port ${port} left open`);
});
