import { fileURLToPath } from "node:url";
import { createLogger, type Logger } from "@btt/shared/logger";
import { createTestDatabase, type TestDatabase, waitFor } from "@btt/shared/testing";
import { type Base58Address, TronNodeClient } from "@btt/shared/tron";
import { type Devnet, startDevnet } from "@btt/tron-devnet";
import { TronWeb } from "tronweb";
import { ChainFollower } from "../src/chain/follower.js";
import { Snapshotter } from "../src/snapshots/snapshotter.js";

export const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
export const silent: Logger = createLogger({ service: "indexer-test", level: "silent" });

export interface DevAccount {
  address: string;
  privateKey: string;
}

export interface TestChain {
  devnet: Devnet;
  accounts: DevAccount[];
  lag: number;
  tronWeb(privateKey?: string): TronWeb;
  /** Signs, broadcasts and mines one block; throws unless the node accepted it. */
  send(privateKey: string, build: (tw: TronWeb) => Promise<unknown>): Promise<string>;
  advanceTime(ms: number): Promise<void>;
  solidify(): Promise<number>;
  /** The devnet's oracle: every holding at `height`. */
  oracle(
    height: number,
  ): Promise<Map<string, { liquid: string; frozen: string; unfreezing: string; total: string }>>;
}

export async function startTestChain(accounts = 60, lag = 1): Promise<TestChain> {
  const devnet = await startDevnet({
    port: 0,
    genesis: { seed: 21, accounts, height: 6_599_990 },
    blockTimeMs: 0,
    solidificationLag: lag,
  });
  await devnet.mine(1); // TronWeb cannot reference the genesis block
  const dev = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as DevAccount[];
  const tronWeb = (privateKey = dev[0]?.privateKey as string) =>
    new TronWeb({ fullHost: devnet.url, privateKey });
  return {
    devnet,
    accounts: dev,
    lag,
    tronWeb,
    async send(privateKey, build) {
      const tw = tronWeb(privateKey);
      const tx = await build(tw);
      const signed = await tw.trx.sign(tx as never);
      const reply = (await tw.trx.sendRawTransaction(signed as never)) as {
        result?: boolean;
        txid?: string;
        message?: string;
      };
      if (!reply.result) {
        throw new Error(
          `broadcast refused: ${Buffer.from(String(reply.message ?? ""), "hex").toString("utf8")}`,
        );
      }
      await devnet.mine(1);
      return reply.txid as string;
    },
    async advanceTime(ms) {
      await fetch(`${devnet.url}/devnet/time`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advanceMs: ms }),
      });
    },
    solidify: () => devnet.mine(lag + 1),
    async oracle(height) {
      const text = await (await fetch(`${devnet.url}/devnet/holdings?height=${height}`)).text();
      const out = new Map();
      for (const line of text.trim().split("\n")) {
        if (!line) continue;
        const row = JSON.parse(line);
        out.set(row.address, {
          liquid: row.liquid,
          frozen: row.frozen,
          unfreezing: row.unfreezing,
          total: row.total,
        });
      }
      return out;
    },
  };
}

export interface TestIndexer {
  db: TestDatabase;
  node: TronNodeClient;
  follower: ChainFollower;
  snapshotter: Snapshotter;
  stop(): Promise<void>;
  waitSnapshot(height: number, timeoutMs?: number): Promise<{ status: string; failure: unknown }>;
}

/** A follower and snapshot worker in this process, on a fresh database, against `nodeUrl`. */
export async function startTestIndexer(options: {
  nodeUrl: string;
  baseState?: string;
  watchedAddress?: string;
  batchBlocks?: number;
}): Promise<TestIndexer> {
  const db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  const node = new TronNodeClient({ fullHost: options.nodeUrl, retries: 2, retryBaseMs: 20 });
  const follower = new ChainFollower({
    pool: db.pool,
    node,
    logger: silent,
    tokenId: "1002000",
    watchedAddress: (options.watchedAddress as Base58Address | undefined) ?? null,
    baseState: options.baseState,
    batchBlocks: options.batchBlocks ?? 7,
    infoConcurrency: 4,
    pollMs: 20,
  });
  const snapshotter = new Snapshotter({
    pool: db.pool,
    node,
    logger: silent,
    follower,
    sampleSize: 100_000,
    recentSize: 100_000,
    pollMs: 20,
  });
  const running = [follower.run(), snapshotter.run()];
  return {
    db,
    node,
    follower,
    snapshotter,
    async stop() {
      follower.stop();
      snapshotter.stop();
      await Promise.allSettled(running);
      await db.drop();
    },
    waitSnapshot(height, timeoutMs = 60_000) {
      return waitFor(
        async () => {
          const { rows } = await db.pool.query(
            "SELECT status, failure FROM indexer.snapshots WHERE height = $1",
            [height],
          );
          const row = rows[0];
          return row && (row.status === "completed" || row.status === "failed") ? row : undefined;
        },
        timeoutMs,
        `snapshot ${height}`,
      );
    },
  };
}

/** The indexer's rows of a completed snapshot, as the devnet oracle prints them. */
export async function snapshotRows(db: TestDatabase, height: number) {
  const { rows } = await db.pool.query(
    `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
      WHERE height = $1 ORDER BY address`,
    [height],
  );
  return new Map(
    rows.map((r) => [
      r.address as string,
      {
        liquid: String(r.liquid),
        frozen: String(r.frozen_v1 + r.frozen_v2),
        unfreezing: String(r.unfreezing),
        total: String(r.total),
      },
    ]),
  );
}
