// Composition root of the gateway service: config → logger → database → Kafka → app → listen.
import { startHttpService } from "@btt/shared/http";
import { createKafka } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.GATEWAY_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });

    return createApp({
      logger,
      prisma,
      kafka,
      downstream: [
        { name: "indexer", url: config.INDEXER_URL },
        { name: "airdrop", url: config.AIRDROP_URL },
        { name: "speed-ledger", url: config.SPEED_LEDGER_URL },
      ],
    });
  },
});
