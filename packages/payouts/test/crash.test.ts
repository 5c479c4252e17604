import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withTransaction } from "@btt/shared/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchProgress } from "../src/batches.js";
import { enqueuePayments } from "../src/enqueue.js";
import { tablesIn } from "../src/tables.js";
import {
  type DevAccount,
  dropTestDatabase,
  expectPaidExactlyOnce,
  makePayments,
  startTestChain,
  type TestChain,
  testSchema,
} from "./harness.js";

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
let chain: TestChain;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("packages/payouts/dist is missing: build first (pnpm -r build)");
  chain = await startTestChain();
});

afterAll(async () => {
  await chain?.stop();
  await dropTestDatabase();
});

function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

describe("crash safety (rule 8)", () => {
  it("a worker SIGKILLed six times mid-batch and restarted pays every recipient exactly once", async () => {
    const { db, schema } = await testSchema("crash");
    const tables = tablesIn(schema);
    const distributor = chain.accounts[5] as DevAccount;
    const payments = makePayments(300, 5);
    await chain.fund(
      distributor.address,
      payments.reduce((s, p) => s + p.amount, 0n),
      1_000_000_000n,
    );
    await withTransaction(db.pool, (client) => enqueuePayments(client, tables, "crash", "round", payments));
    const env = {
      DATABASE_URL: db.url,
      PAYOUT_SCHEMA: schema,
      TRON_FULL_HOST: chain.url,
      PAYOUT_PRIVATE_KEY: distributor.privateKey,
    };
    chain.startMiner(100);
    let kills = 0;
    let killedMidBatch = 0;
    let killedWithLiveAttempts = 0;
    for (let i = 0; i < 6; i++) {
      // a fresh token bucket starts full: at 20/s six short lives sign at most ~200 of the 300
      const worker = await spawnWorker({ ...env, WORKER_ID: `w${i}`, RATE: "20" });
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 500)));
      worker.kill("SIGKILL");
      await exited(worker);
      kills += 1;
      const p = await batchProgress(db.pool, tables, "crash");
      // mid-batch: payments were still waiting to be signed or to be confirmed
      if (p.state !== "completed" && p.pending.count + p.inFlight.count > 0) killedMidBatch += 1;
      if (p.inFlight.count > 0) killedWithLiveAttempts += 1;
    }
    expect(kills).toBe(6);
    expect(killedMidBatch).toBeGreaterThanOrEqual(5);
    expect(killedWithLiveAttempts).toBeGreaterThan(0);

    const last = await spawnWorker({ ...env, WORKER_ID: "final" });
    const deadline = Date.now() + 60_000;
    while ((await batchProgress(db.pool, tables, "crash")).state !== "completed") {
      if (Date.now() > deadline) throw new Error("the batch did not complete after the crashes");
      await new Promise((r) => setTimeout(r, 100));
    }
    last.kill("SIGTERM");
    await exited(last);
    chain.stopMiner();

    const transfers = await expectPaidExactlyOnce(chain, distributor.address, payments);
    // every attempt the engine gave up on (expired) is nowhere on chain
    const { rows } = await db.pool.query<{ tx_id: string }>(
      `SELECT tx_id FROM ${schema}.payment_attempts WHERE state = 'expired'`,
    );
    const onChain = new Set(transfers.map((t) => t.txId));
    for (const r of rows) expect(onChain.has(r.tx_id)).toBe(false);
  }, 180_000); // ≈ 15 s alone; six worker lives on a busy 2-core machine may take much longer
});
