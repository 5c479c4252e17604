import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase, testKafkaBrokers, waitFor } from "@btt/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, snapshotRows, startTestChain, startTestIndexer, type TestChain } from "./harness.js";

// The indexer as a real process, killed with SIGKILL mid-ingest and mid-snapshot: restarted, it
// resumes to the same snapshot, byte for byte, as an indexer that was never interrupted.

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
let chain: TestChain;
let db: TestDatabase;
let child: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const p = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return p;
}

function startIndexer(): ChildProcess {
  const proc = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      TRON_FULL_HOST: chain.devnet.url,
      INDEXER_BASE_STATE: `${chain.devnet.url}/devnet/base-state`,
      INDEXER_PORT: String(port),
      INDEXER_BATCH_BLOCKS: "3",
      INDEXER_POLL_MS: "20",
      LOG_LEVEL: "silent",
    },
    stdio: "ignore",
  });
  return proc;
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGKILL");
  await exited;
}

async function cursor(): Promise<number> {
  const { rows } = await db.pool.query("SELECT block_number FROM indexer.chain_cursor");
  return rows[0] ? Number(rows[0].block_number) : -1;
}

beforeAll(async () => {
  chain = await startTestChain(20_000, 1);
  const keys = chain.accounts.map((a) => a.privateKey);
  for (let i = 0; i < 24; i++) {
    const from = keys[i % 4] as string;
    const to = chain.accounts[4 + (i % 5)]?.address as string;
    await chain.send(from, (tw) => tw.transactionBuilder.sendTrx(to, 1_000_000 + i));
    if (i % 6 === 5)
      await chain.send(from, (tw) => tw.transactionBuilder.freezeBalanceV2(2_000_000, "BANDWIDTH"));
    await chain.devnet.mine(5);
  }
  await chain.solidify();
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  port = await freePort();
}, 180_000);

afterAll(async () => {
  if (child) await kill(child);
  await db?.drop();
  await chain?.devnet.stop();
});

describe("a killed indexer", () => {
  it("resumes ingest and a snapshot interrupted by SIGKILL to the identical result", async () => {
    const target = chain.devnet.solidHead();
    // 1. killed mid-ingest, somewhere between the base state and the head
    child = startIndexer();
    const base = 6_599_990;
    await waitFor(async () => ((await cursor()) > base + 20 ? true : undefined), 60_000, "ingest under way");
    await kill(child);
    const stoppedAt = await cursor();
    expect(stoppedAt).toBeLessThan(target);

    // 2. restarted; a snapshot requested; killed while it runs
    child = startIndexer();
    await waitFor(async () => ((await cursor()) >= target ? true : undefined), 60_000, "ingest to the head");
    await db.pool.query("INSERT INTO indexer.snapshots (height) VALUES ($1)", [target]);
    await waitFor(
      async () => {
        const { rows } = await db.pool.query("SELECT status FROM indexer.snapshots WHERE height = $1", [
          target,
        ]);
        return rows[0]?.status === "running" ? true : undefined;
      },
      60_000,
      "the snapshot to start",
    );
    await kill(child);
    const interrupted = await db.pool.query("SELECT status FROM indexer.snapshots WHERE height = $1", [
      target,
    ]);
    expect(interrupted.rows[0].status).toBe("running");

    // 3. restarted: it finishes the snapshot
    child = startIndexer();
    const done = await waitFor(
      async () => {
        const { rows } = await db.pool.query(
          "SELECT status, attempts, content_hash, holders FROM indexer.snapshots WHERE height = $1",
          [target],
        );
        return rows[0]?.status === "completed" || rows[0]?.status === "failed" ? rows[0] : undefined;
      },
      120_000,
      "the snapshot to complete",
    );
    expect(done.status).toBe("completed");
    expect(done.attempts).toBeGreaterThanOrEqual(2);

    // every block exactly once, and the same snapshot as an indexer that never stopped
    const blocks = await db.pool.query("SELECT count(*)::int AS n, min(number) AS lo FROM indexer.blocks");
    const top = await cursor();
    expect(blocks.rows[0].n).toBe(top - base + 1);
    expect(Object.fromEntries(await snapshotRows(db, target))).toEqual(
      Object.fromEntries(await chain.oracle(target)),
    );
    const clean = await startTestIndexer({
      nodeUrl: chain.devnet.url,
      baseState: `${chain.devnet.url}/devnet/base-state`,
      batchBlocks: 50,
    });
    try {
      await clean.snapshotter.request({ height: target });
      await clean.waitSnapshot(target, 120_000);
      const reference = await clean.db.pool.query(
        "SELECT status, content_hash, holders FROM indexer.snapshots WHERE height = $1",
        [target],
      );
      expect(reference.rows[0]).toEqual({
        status: "completed",
        content_hash: done.content_hash,
        holders: done.holders,
      });
    } finally {
      await clean.stop();
    }
  }, 300_000);
});
