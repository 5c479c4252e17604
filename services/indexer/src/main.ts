// Composition root of the indexer service: config → logger → database → Kafka → chain follower
// and snapshot worker → app → listen.
import { createPool } from "@btt/shared/db";
import { startHttpService } from "@btt/shared/http";
import { createKafka, startOutboxPublisher } from "@btt/shared/kafka";
import { type Base58Address, TronNodeClient } from "@btt/shared/tron";
import { createApp } from "./app.js";
import { ChainFollower } from "./chain/follower.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";
import { Snapshotter } from "./snapshots/snapshotter.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.INDEXER_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: SERVICE_NAME, max: 8 });
    shutdown.add("postgres pool", () => pool.end());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });
    await startOutboxPublisher({
      databaseUrl: config.DATABASE_URL,
      schema: "indexer",
      service: SERVICE_NAME,
      kafka,
      logger,
      shutdown,
    });
    const node = new TronNodeClient({
      fullHost: config.TRON_FULL_HOST,
      solidityHost: config.TRON_SOLIDITY_HOST,
      logger,
      headers: config.TRON_API_KEY ? { "TRON-PRO-API-KEY": config.TRON_API_KEY } : undefined,
    });
    const follower = new ChainFollower({
      pool,
      node,
      logger: logger.child({ component: "follower" }),
      tokenId: config.INDEXER_TOKEN_ID,
      watchedAddress: (config.INDEXER_WATCHED_ADDRESS as Base58Address | undefined) ?? null,
      baseState: config.INDEXER_BASE_STATE,
      batchBlocks: config.INDEXER_BATCH_BLOCKS,
      pollMs: config.INDEXER_POLL_MS,
    });
    const snapshotter = new Snapshotter({
      pool,
      node,
      logger: logger.child({ component: "snapshots" }),
      follower,
      sampleSize: config.INDEXER_CROSSCHECK_SAMPLE,
      recentSize: config.INDEXER_CROSSCHECK_RECENT,
      pollMs: config.INDEXER_POLL_MS,
    });
    if (config.INDEXER_FOLLOW) {
      // one follower per database: the others serve the API (session advisory lock, held for life)
      const lock = await pool.connect();
      shutdown.add("follower lock", async () => lock.release());
      const { rows } = await lock.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('indexer.follower')) AS ok",
      );
      if (rows[0]?.ok) {
        const running = [follower.run(), snapshotter.run()];
        shutdown.add("chain follower", async () => {
          follower.stop();
          snapshotter.stop();
          await Promise.allSettled(running);
        });
      } else {
        logger.warn("another indexer instance holds the follower lock; this one serves the API only");
      }
    }
    return createApp({ logger, prisma, kafka, indexer: { pool, node, follower, snapshotter } });
  },
});
