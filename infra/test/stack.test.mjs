// `npm start` end to end, one stack for every suite that tests the running system from outside:
// the runner brings up PostgreSQL, the Kafka development broker, the TRON devnet and the four
// services, each answers /readyz with 200, .btt/stack.json describes the stack; the demo tells its
// story on a small population (the initial airdrop paid and confirmed, the schedule entry
// completed, Speed vouchers accepted). Then, against the same stack: the end-to-end suite
// (infra/test/e2e), the CLI's and the console's suites, and the short fault suite (infra/faults).
// Finally SIGTERM stops everything (the demo first, every port it opened is closed again, the
// stack and demo files are gone).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { cliSuite } from "../../packages/cli/test/stack-suite.mjs";
import { consoleSuite } from "../../services/gateway/test/console/stack-suite.mjs";
import { FAULT_PLANS, faultSuite } from "../faults/suite.mjs";
import { REPO_ROOT } from "../stack/lib/tools.mjs";
import { e2eSuite } from "./e2e/story-suite.mjs";
import { BTT, getJson, portOpen, startStack } from "./lib/stack-harness.mjs";

let harness;
after(async () => {
  await harness?.stop();
  await harness?.cleanup();
});

test("npm start runs the whole stack, tells the demo's story, survives faults and stops cleanly", {
  timeout: 900_000,
}, async (t) => {
  harness = await startStack({
    env: {
      // the demo's story on a small population and a small swarm (the genesis height stays the
      // demo's default: block 6,600,000 solidified ~30 s after the devnet starts)
      DEVNET_ACCOUNTS: "2000",
      DEVNET_BLOCK_TIME_MS: "200",
      DEMO_SPEED_DOWNLOADERS: "6",
      DEMO_SPEED_SEEDERS: "3",
    },
  });
  const stackFile = harness.stackFile;
  const read = harness.output;
  const stack = harness.stack();
  assert.equal(stack.gatewayUrl, `http://127.0.0.1:${harness.ports.services.GATEWAY_PORT}`);
  assert.equal(stack.kafkaBrokers, `127.0.0.1:${harness.ports.kafka}`);
  assert.match(stack.apiKeys.operator, /^op_/);
  assert.match(read(), /Ready in/);
  for (const name of ["runner", "indexer", "airdrop", "speed-ledger", "gateway"])
    assert.ok(Number.isInteger(stack.pids[name]), `stack.json names the ${name}'s pid`);

  for (const [name, url] of Object.entries(stack.services)) {
    const response = await fetch(`${url}/readyz`);
    const body = await response.json();
    assert.equal(response.status, 200, `${name} /readyz: ${JSON.stringify(body)}`);
    assert.equal(body.status, "ready");
  }
  const gateway = await (await fetch(`${stack.gatewayUrl}/readyz`)).json();
  assert.deepEqual(
    gateway.dependencies.map((d) => [d.name, d.state]),
    [
      ["postgres", "up"],
      ["kafka", "up"],
      ["indexer", "up"],
      ["airdrop", "up"],
      ["speed-ledger", "up"],
    ],
  );

  // The gateway created the runner's API keys: the operator key reaches an operator route.
  const keys = await fetch(`${stack.gatewayUrl}/v1/api-keys`, {
    headers: { Authorization: `Bearer ${stack.apiKeys.operator}` },
  });
  assert.equal(keys.status, 200);
  assert.deepEqual((await keys.json()).items.map((k) => k.role).sort(), ["exchange", "operator"]);
  const exchangeOnOperatorRoute = await fetch(`${stack.gatewayUrl}/v1/api-keys`, {
    headers: { Authorization: `Bearer ${stack.apiKeys.exchange}` },
  });
  assert.equal(exchangeOnOperatorRoute.status, 403);

  assert.equal(stack.devnetUrl, `http://127.0.0.1:${harness.ports.devnet}`);
  const head = await (await fetch(`${stack.devnetUrl}/wallet/getnowblock`)).json();
  assert.match(head.blockID, /^[0-9a-f]{64}$/);
  const devAccounts = await (await fetch(`${stack.devnetUrl}/devnet/accounts`)).json();
  assert.equal(devAccounts.length, 10);

  // the airdrop behind the gateway: the seeded schedule is public (the demo runs the initial entry,
  // every other one stays historical); an operator's dry run at the solidified head goes gateway →
  // airdrop → indexer snapshot → exact table, never paid
  const schedule = await (await fetch(`${stack.gatewayUrl}/v1/schedule`)).json();
  assert.equal(schedule.entries.length, 73);
  assert.ok(schedule.entries.filter((e) => e.kind !== "initial").every((e) => e.status === "historical"));
  const solid = await (await fetch(`${stack.devnetUrl}/walletsolidity/getnowblock`)).json();
  const operator = { Authorization: `Bearer ${stack.apiKeys.operator}`, "content-type": "application/json" };
  const created = await fetch(`${stack.gatewayUrl}/v1/rounds`, {
    method: "POST",
    headers: { ...operator, "Idempotency-Key": "stack-test-dry-run" },
    body: JSON.stringify({
      kind: "event",
      label: "stack test dry run",
      pool: "1000000000",
      snapshotHeight: solid.block_header.raw_data.number,
      dryRun: true,
    }),
  });
  const round = await created.json();
  assert.equal(created.status, 201, JSON.stringify(round));
  let computed;
  for (let i = 0; i < 120 && !computed; i += 1) {
    const r = await (await fetch(`${stack.gatewayUrl}/v1/rounds/${round.id}`, { headers: operator })).json();
    if (r.status === "computed") computed = r;
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.ok(computed, "the dry run was not computed within 60 s");
  assert.equal(computed.distributed, "1000000000");
  assert.match(computed.merkleRoot, /^[0-9a-f]{64}$/);

  // the demo: the initial airdrop is paid, confirmed on chain, and the schedule says so
  await harness.waitForOutput(/initial airdrop completed: (\d[\d,]*)\/\1 transfers confirmed/, 150_000);
  const exchange = { Authorization: `Bearer ${stack.apiKeys.exchange}` };
  const initial = (await getJson(`${stack.gatewayUrl}/v1/schedule`)).entries.find(
    (e) => e.kind === "initial",
  );
  assert.equal(initial.status, "completed");
  assert.equal(initial.snapshot.height, 6_600_000);
  const paid = await getJson(`${stack.gatewayUrl}/v1/rounds/${initial.roundId}`, exchange);
  assert.equal(paid.status, "completed");
  assert.equal(paid.snapshotHeight, 6_600_000);
  assert.ok(paid.recipients > 1_900, `only ${paid.recipients} recipients`);
  assert.equal(paid.progress.confirmed, paid.recipients);
  const demo = harness.demo();
  assert.equal(demo.round.id, initial.roundId);
  const holder = await getJson(
    `${stack.gatewayUrl}/v1/rounds/${initial.roundId}/entitlements/${demo.round.sampleHolder}`,
    exchange,
  );
  assert.equal(holder.payout.status, "confirmed");
  assert.ok(holder.proof.length > 0 && BigInt(holder.amount) > 0n);
  const info = await getJson(
    `${stack.devnetUrl}/walletsolidity/gettransactioninfobyid?value=${holder.payout.txId}`,
  );
  assert.equal(info.blockNumber, holder.payout.blockNumber);

  // Speed: the pools were funded on chain, vouchers are accepted, seeders are paid through the ledger
  await harness.waitForOutput(/Speed traffic is live/, 60_000);
  const check = await getJson(`${stack.gatewayUrl}/v1/speed/ledger/check`, {
    Authorization: `Bearer ${stack.apiKeys.operator}`,
  });
  assert.ok(BigInt(check.totals.promotions) >= 1_000_000n * BTT, JSON.stringify(check.totals));
  assert.ok(BigInt(check.totals.rewards) > 0n, JSON.stringify(check.totals));
  const seeders = harness.demo().speed.seeders;
  assert.equal(seeders.length, 3);
  const earned = await Promise.all(
    seeders.map(async (s) => BigInt((await getJson(`${stack.gatewayUrl}/v1/speed/accounts/${s}`)).earned)),
  );
  assert.ok(
    earned.some((e) => e > 0n),
    `no seeder earned anything: ${earned}`,
  );

  // the story as assertions, through the public API and the chain only
  await t.test("end to end", (t2) => e2eSuite(t2, { stack, demo: harness.demo() }));
  // the btt CLI, every command as a child process against the stack
  await t.test("cli", (t2) => cliSuite(t2, { stack }));
  // the operator console in headless Chromium (screenshots: .btt/artifacts/console)
  await t.test("console", (t2) =>
    consoleSuite(t2, { stack, artifactsDir: path.join(REPO_ROOT, ".btt/artifacts/console") }),
  );
  // the short fault suite: each service killed once, the devnet refusing, Kafka, PostgreSQL
  await t.test("faults (short)", (t2) => faultSuite(t2, { harness, plan: FAULT_PLANS.short }));

  const { code } = await harness.stop();
  const output = read();
  assert.equal(code, 0, output);
  assert.match(output, /stopped demo[\s\S]*stopped gateway[\s\S]*stopped Kafka broker/);
  assert.equal(existsSync(stackFile), false, "stack.json left behind");
  assert.equal(existsSync(path.join(harness.stateDir, "demo.json")), false, "demo.json left behind");
  for (const port of harness.allPorts())
    assert.equal(await portOpen(port), false, `port ${port} still open after stop`);
});
