// Composition root of the indexer service: config → logger → database → Kafka → app → listen.
import { createPool } from "@btt/shared/db";
import { startHttpService } from "@btt/shared/http";
import { createEventProducer, createKafka, createOutboxRelay, outboxTableFor } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createPrismaClient } from "./data/prisma.js";

const config = loadConfig();

await startHttpService({
  service: SERVICE_NAME,
  port: config.INDEXER_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });

    const pool = createPool({
      connectionString: config.DATABASE_URL,
      applicationName: SERVICE_NAME,
      schema: "indexer",
    });
    shutdown.add("postgres-pool", () => pool.end());
    const producer = createEventProducer(kafka);
    await producer.connect();
    shutdown.add("kafka-producer", () => producer.disconnect());
    const relay = createOutboxRelay({
      pool,
      connectionString: config.DATABASE_URL,
      outbox: outboxTableFor("indexer"),
      producer,
      logger,
    });
    await relay.start();
    shutdown.add("outbox-relay", () => relay.stop());

    return createApp({ logger, prisma, kafka });
  },
});
