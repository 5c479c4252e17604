// Composition root of the airdrop service: config → logger → database → Kafka → schedule, rounds,
// payout engine, round worker and schedule trigger → app → listen.
import { createPayoutEngine, signerFromEnv } from "@btt/payouts";
import { createPool } from "@btt/shared/db";
import { startHttpService } from "@btt/shared/http";
import { createKafka, startOutboxPublisher } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { IndexerClient } from "./clients/indexer.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";
import { enginePort } from "./payouts/engine-port.js";
import { assertDevnet } from "./rounds/auto-approve.js";
import { EntitlementQueries } from "./rounds/entitlement-queries.js";
import { RoundComputer } from "./rounds/round-computer.js";
import { BLACK_HOLE_ADDRESS, RoundService } from "./rounds/round-service.js";
import { RoundWorker } from "./rounds/round-worker.js";
import { ScheduleService } from "./schedule/schedule-service.js";
import { ScheduleTrigger } from "./triggers/schedule-trigger.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.AIRDROP_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    if (config.AIRDROP_AUTO_APPROVE !== "off") await assertDevnet(config.TRON_FULL_HOST);
    const signer = signerFromEnv(process.env, "AIRDROP_DISTRIBUTOR");
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      applicationName: SERVICE_NAME,
      max: 10,
    });
    shutdown.add("postgres pool", () => pool.end());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });
    await startOutboxPublisher({
      databaseUrl: config.DATABASE_URL,
      schema: "airdrop",
      service: SERVICE_NAME,
      kafka,
      logger,
      shutdown,
    });

    const engine = createPayoutEngine({
      pool,
      schema: "airdrop",
      fullHost: config.TRON_FULL_HOST,
      solidityHost: config.TRON_SOLIDITY_HOST,
      apiKey: config.TRON_API_KEY,
      signer,
      tokenId: config.AIRDROP_TOKEN_ID,
      memoKind: "airdrop",
      concurrency: config.AIRDROP_PAYOUT_CONCURRENCY,
      ratePerSecond: config.AIRDROP_PAYOUT_RATE,
      expirationMs: config.AIRDROP_PAYOUT_EXPIRATION_MS,
      pollMs: config.AIRDROP_PAYOUT_POLL_MS,
      rebroadcastMs: config.AIRDROP_PAYOUT_REBROADCAST_MS,
      logger: logger.child({ component: "payouts" }),
    });
    const schedule = new ScheduleService({ pool, noticeDays: config.AIRDROP_NOTICE_DAYS });
    await schedule.ensureSeeded();
    const rounds = new RoundService({
      pool,
      schedule,
      payouts: enginePort(engine),
      logger,
      approvalsRequired: config.AIRDROP_APPROVALS_REQUIRED,
      autoApprove: config.AIRDROP_AUTO_APPROVE,
      roundCap: config.AIRDROP_ROUND_CAP,
      minHoldingSun: config.AIRDROP_MIN_HOLDING_SUN,
      defaultExclusions: [
        { address: signer.address, reason: "the distributing account" },
        { address: BLACK_HOLE_ADDRESS, reason: "the TRON black-hole address" },
        ...(config.LEDGER_CUSTODY_ADDRESS
          ? [{ address: config.LEDGER_CUSTODY_ADDRESS, reason: "the speed ledger's custody account" }]
          : []),
        ...config.AIRDROP_EXCLUDED_ADDRESSES.map((address) => ({ address, reason: "a foundation address" })),
      ],
    });
    const indexer = new IndexerClient({ baseUrl: config.INDEXER_URL });
    const computer = new RoundComputer({
      pool,
      indexer,
      tokenId: config.AIRDROP_TOKEN_ID,
      logger: logger.child({ component: "rounds" }),
    });
    const worker = new RoundWorker({
      pool,
      rounds,
      computer,
      logger: logger.child({ component: "rounds" }),
      pollMs: config.AIRDROP_POLL_MS,
    });
    const trigger = new ScheduleTrigger({
      pool,
      rounds,
      logger: logger.child({ component: "trigger" }),
      clock: () => new Date(),
      cronExpression: config.AIRDROP_CRON,
      onFired: () => worker.poke(),
    });

    engine.start();
    const running = worker.run();
    await trigger.start();
    shutdown.add("airdrop workers", async () => {
      await trigger.stop();
      worker.stop();
      await running;
      await engine.stop();
    });

    return createApp({
      logger,
      prisma,
      kafka,
      airdrop: {
        schedule,
        rounds,
        entitlements: new EntitlementQueries(pool),
        poke: () => worker.poke(),
        checks: [
          {
            name: "indexer",
            check: async () => {
              await indexer.chainStatus();
            },
          },
        ],
      },
    });
  },
});
