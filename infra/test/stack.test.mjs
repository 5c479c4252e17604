// `npm start` end to end: the runner brings up PostgreSQL, the Kafka development broker, the TRON
// devnet and the four services, each answers /readyz with 200, .btt/stack.json describes the stack;
// the demo tells its story on a small population (the initial airdrop paid and confirmed, the
// schedule entry completed, Speed vouchers accepted); and SIGTERM stops everything (the demo first,
// every port it opened is closed again, the stack and demo files are gone).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { REPO_ROOT, sleep } from "../stack/lib/tools.mjs";

const PORTS = { GATEWAY_PORT: 18080, INDEXER_PORT: 18081, AIRDROP_PORT: 18082, SPEED_LEDGER_PORT: 18083 };
const KAFKA_DEV_PORT = 19092;
const TRON_DEVNET_PORT = 19090;
const EMBEDDED_POSTGRES_PORT = 15433;
const stateDir = mkdtempSync(path.join(os.tmpdir(), "btt-stack-test-"));
const cleanups = [];
const BTT = 1_000_000n;

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

/** With DATABASE_URL (CI), the stack gets a database of its own on that server. */
async function databaseForStack() {
  if (!process.env.DATABASE_URL) return undefined;
  const name = `btt_stack_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Resolves once the runner's output matches `pattern`; fails with the output after `timeoutMs`. */
async function outputMatches(read, runner, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    assert.ok(Date.now() < deadline, `no ${pattern} within ${timeoutMs / 1000} s:\n${read()}`);
    assert.equal(runner.exitCode, null, `runner exited early:\n${read()}`);
    await sleep(250);
  }
}

async function getJson(url, headers = {}) {
  const response = await fetch(url, { headers });
  const body = await response.json();
  assert.equal(response.status, 200, `GET ${url}: ${JSON.stringify(body)}`);
  return body;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("npm start runs the whole stack, tells the demo's story and stops cleanly on SIGTERM", {
  timeout: 240_000,
}, async () => {
  const databaseUrl = await databaseForStack();
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])),
  };
  delete env.KAFKA_BROKERS;
  delete env.TRON_FULL_HOST;
  delete env.TRON_SOLIDITY_HOST;
  delete env.DATABASE_URL;
  for (const name of Object.keys(env)) if (/^(BTT_DEMO|DEMO_|DEVNET_)/.test(name)) delete env[name];
  Object.assign(env, {
    BTT_STATE_DIR: stateDir,
    KAFKA_DEV_PORT: String(KAFKA_DEV_PORT),
    TRON_DEVNET_PORT: String(TRON_DEVNET_PORT),
    // the demo's story on a small population and a small swarm (the genesis height stays the
    // demo's default: block 6,600,000 solidified ~30 s after the devnet starts)
    DEVNET_ACCOUNTS: "2000",
    DEVNET_BLOCK_TIME_MS: "200",
    DEMO_SPEED_DOWNLOADERS: "6",
    DEMO_SPEED_SEEDERS: "3",
    EMBEDDED_POSTGRES_PORT: String(EMBEDDED_POSTGRES_PORT),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const runner = spawn(process.execPath, [path.join(REPO_ROOT, "infra/stack/start.mjs")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  runner.stdout.on("data", (d) => {
    output += d;
  });
  runner.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise((resolve) => runner.once("exit", (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (runner.exitCode === null) runner.kill("SIGKILL");
  });

  const stackFile = path.join(stateDir, "stack.json");
  const deadline = Date.now() + 180_000;
  while (!existsSync(stackFile)) {
    assert.ok(Date.now() < deadline, `no stack.json after 180 s:\n${output}`);
    assert.equal(runner.exitCode, null, `runner exited early:\n${output}`);
    await sleep(250);
  }
  const stack = JSON.parse(readFileSync(stackFile, "utf8"));
  assert.equal(stack.gatewayUrl, `http://127.0.0.1:${PORTS.GATEWAY_PORT}`);
  assert.equal(stack.kafkaBrokers, `127.0.0.1:${KAFKA_DEV_PORT}`);
  assert.match(stack.apiKeys.operator, /^op_/);
  assert.match(output, /Ready in/);

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

  assert.equal(stack.devnetUrl, `http://127.0.0.1:${TRON_DEVNET_PORT}`);
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
  const read = () => output;
  await outputMatches(read, runner, /initial airdrop completed: (\d[\d,]*)\/\1 transfers confirmed/, 150_000);
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
  const demo = JSON.parse(readFileSync(path.join(stateDir, "demo.json"), "utf8"));
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
  await outputMatches(read, runner, /Speed traffic is live/, 60_000);
  const check = await getJson(`${stack.gatewayUrl}/v1/speed/ledger/check`, {
    Authorization: `Bearer ${stack.apiKeys.operator}`,
  });
  assert.ok(BigInt(check.totals.promotions) >= 1_000_000n * BTT, JSON.stringify(check.totals));
  assert.ok(BigInt(check.totals.rewards) > 0n, JSON.stringify(check.totals));
  const seeders = JSON.parse(readFileSync(path.join(stateDir, "demo.json"), "utf8")).speed.seeders;
  assert.equal(seeders.length, 3);
  const earned = await Promise.all(
    seeders.map(async (s) => BigInt((await getJson(`${stack.gatewayUrl}/v1/speed/accounts/${s}`)).earned)),
  );
  assert.ok(
    earned.some((e) => e > 0n),
    `no seeder earned anything: ${earned}`,
  );

  runner.kill("SIGTERM");
  const { code } = await exited;
  assert.equal(code, 0, output);
  assert.match(output, /stopped demo[\s\S]*stopped gateway[\s\S]*stopped Kafka broker/);
  assert.equal(existsSync(stackFile), false, "stack.json left behind");
  assert.equal(existsSync(path.join(stateDir, "demo.json")), false, "demo.json left behind");
  const ports = [
    ...Object.values(PORTS),
    KAFKA_DEV_PORT,
    TRON_DEVNET_PORT,
    ...(databaseUrl ? [] : [EMBEDDED_POSTGRES_PORT]),
  ];
  for (const port of ports) assert.equal(await portOpen(port), false, `port ${port} still open after stop`);
});
