// Composition root of the airdrop service: config → logger → database → Kafka → app → listen.
import { startHttpService } from "@btt/shared/http";
import { createKafka, startOutboxPublisher } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.AIRDROP_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });
    await startOutboxPublisher({
      databaseUrl: config.DATABASE_URL,
      schema: "airdrop",
      service: SERVICE_NAME,
      kafka,
      logger,
      shutdown,
    });
    return createApp({ logger, prisma, kafka });
  },
});
