// Composition root of the speed-ledger service: config → logger → database → Kafka → payout
// engine (withdrawals) → consumers (speed.commands, chain.deposits) → settler, reconciler, jobs →
// app → listen.
import { createPayoutEngine, signerFromEnv } from "@btt/payouts";
import { createPool, withTransaction } from "@btt/shared/db";
import { createMetrics, startHttpService } from "@btt/shared/http";
import { createEventProducer, createKafka, startOutboxPublisher } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";
import { ChannelExpiry } from "./jobs/channel-expiry.js";
import { RewardEpochs } from "./jobs/reward-epochs.js";
import { startCommandConsumer } from "./messaging/command-consumer.js";
import { startDepositConsumer } from "./messaging/deposit-consumer.js";
import { LedgerMetrics } from "./metrics.js";
import { CustodyChain } from "./reconciliation/custody-chain.js";
import { Reconciler } from "./reconciliation/reconciler.js";
import {
  WITHDRAWAL_MEMO_KIND,
  WITHDRAWALS_BATCH,
  withdrawalPort,
  withdrawalSwitch,
} from "./withdrawals/payouts.js";
import { WithdrawalSettler } from "./withdrawals/settler.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.SPEED_LEDGER_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const custody = signerFromEnv(process.env, "SPEED_CUSTODY");
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      applicationName: SERVICE_NAME,
      max: 12,
      // The ledger's SQL names its tables unqualified (ledger/*.ts): search_path = ledger.
      schema: "ledger",
    });
    shutdown.add("postgres pool", () => pool.end());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });
    await startOutboxPublisher({
      databaseUrl: config.DATABASE_URL,
      schema: "ledger",
      service: SERVICE_NAME,
      kafka,
      logger,
      shutdown,
    });
    const producer = createEventProducer(kafka);
    await producer.connect();
    shutdown.add("kafka producer", () => producer.disconnect());
    const metrics = createMetrics(SERVICE_NAME);
    const ledgerMetrics = new LedgerMetrics(metrics.registry);

    const engine = createPayoutEngine({
      pool,
      schema: "ledger",
      fullHost: config.TRON_FULL_HOST,
      solidityHost: config.TRON_SOLIDITY_HOST,
      apiKey: config.TRON_API_KEY,
      signer: custody,
      tokenId: config.SPEED_TOKEN_ID,
      memoKind: WITHDRAWAL_MEMO_KIND,
      concurrency: 8,
      ratePerSecond: 100,
      expirationMs: config.SPEED_WITHDRAWAL_EXPIRATION_MS,
      logger: logger.child({ component: "payouts" }),
    });
    // The batch exists from the start, so a halt always has something to pause.
    await withTransaction(pool, (client) =>
      engine.enqueue(client, WITHDRAWALS_BATCH, WITHDRAWAL_MEMO_KIND, []),
    );
    const switchboard = withdrawalSwitch(engine);

    const indexerUrl = config.INDEXER_URL;
    const chain = new CustodyChain(
      {
        fullHost: config.TRON_FULL_HOST,
        solidityHost: config.TRON_SOLIDITY_HOST,
        apiKey: config.TRON_API_KEY,
      },
      custody.address,
      config.SPEED_TOKEN_ID,
    );
    const reconciler = new Reconciler({
      pool,
      readCustody: () => chain.read(),
      indexedHeight: async () => {
        if (!indexerUrl) return null;
        const response = await fetch(`${indexerUrl}/chain/status`, { signal: AbortSignal.timeout(3_000) });
        if (!response.ok) throw new Error(`the indexer answered ${response.status}`);
        const status = (await response.json()) as { cursor: { height: number } | null };
        return status.cursor?.height ?? -1;
      },
      halt: switchboard.halt,
      resume: switchboard.resume,
      logger: logger.child({ component: "reconciliation" }),
      metrics: ledgerMetrics,
      intervalMs: config.SPEED_RECONCILE_INTERVAL_MS,
    });
    const settler = new WithdrawalSettler({
      pool,
      logger: logger.child({ component: "withdrawals" }),
      pause: switchboard.halt,
    });
    const expiry = new ChannelExpiry({
      pool,
      logger: logger.child({ component: "channel-expiry" }),
      graceMs: config.SPEED_CHANNEL_EXPIRY_GRACE_MS,
    });
    const epochs = new RewardEpochs({
      pool,
      logger: logger.child({ component: "rewards" }),
      budget: config.SPEED_REWARDS_EPOCH_BUDGET,
      caps: {
        perPair: config.SPEED_REWARDS_PAIR_CAP ?? null,
        perPayee: config.SPEED_REWARDS_PAYEE_CAP ?? null,
      },
      cronExpression: config.SPEED_REWARDS_CRON,
    });

    const commands = await startCommandConsumer({
      kafka,
      pool,
      producer,
      logger,
      metrics: ledgerMetrics,
      chunkSize: config.SPEED_CONSUMER_CHUNK,
      partitionsConsumedConcurrently: config.SPEED_CONSUMER_PARTITIONS,
      parserThreads: config.SPEED_PARSER_THREADS,
      apply: {
        domain: `btt-speed/v1/${config.SPEED_NETWORK}`,
        withdrawalDailyLimit: config.SPEED_WITHDRAWAL_DAILY_LIMIT ?? null,
        withdrawals: withdrawalPort(engine),
      },
    });
    const deposits = await startDepositConsumer({
      kafka,
      pool,
      producer,
      logger,
      metrics: ledgerMetrics,
      rules: {
        custodyAddress: custody.address,
        tokenId: config.SPEED_TOKEN_ID,
        promotionsFunders: new Set(config.SPEED_PROMOTIONS_FUNDERS),
        rewardsFunders: new Set(config.SPEED_REWARDS_FUNDERS),
      },
    });
    engine.start();
    settler.start();
    expiry.start();
    reconciler.start();
    epochs.start();
    logger.info(
      { custody: custody.address, domain: `btt-speed/v1/${config.SPEED_NETWORK}` },
      "speed ledger running",
    );
    shutdown.add("speed ledger workers", async () => {
      await commands.stop();
      await deposits.stop();
      await epochs.stop();
      await reconciler.stop();
      await expiry.stop();
      await settler.stop();
      await engine.stop();
    });

    return createApp({ logger, prisma, kafka, metrics, ledger: { pool, reconciler } });
  },
});
