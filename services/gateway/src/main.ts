// Composition root of the gateway service: config → logger → database → Kafka → app → listen.
import { startHttpService } from "@btt/shared/http";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { createApp } from "./app.js";
import { loadConfig, SERVICE_NAME } from "./config.js";
import { createApiKeyRepository } from "./data/api-keys.js";
import { createPrismaClient } from "./data/prisma.js";
import { AccountEventHub } from "./messaging/account-events.js";
import { SpeedThroughput } from "./messaging/speed-throughput.js";
import { startVerdictConsumer, VerdictBoard } from "./messaging/verdicts.js";
import { bootstrapApiKeys } from "./use-cases/bootstrap-api-keys.js";

const config = loadConfig();
const accountEvents = new AccountEventHub({
  maxPerAccount: config.SPEED_EVENT_STREAMS_PER_ACCOUNT,
  maxTotal: config.SPEED_EVENT_STREAMS_MAX,
});

const { shutdown } = await startHttpService({
  service: SERVICE_NAME,
  port: config.GATEWAY_PORT,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  compose: async ({ logger, shutdown }) => {
    const prisma = createPrismaClient(config.DATABASE_URL);
    shutdown.add("prisma", () => prisma.$disconnect());
    const kafka = createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger });
    await bootstrapApiKeys(
      createApiKeyRepository(prisma),
      [
        { role: "operator", keys: config.BTT_OPERATOR_API_KEY },
        { role: "exchange", keys: config.BTT_EXCHANGE_API_KEY },
      ],
      logger,
    );
    const producer = createEventProducer(kafka);
    await producer.connect();
    shutdown.add("kafka-producer", () => producer.disconnect());
    const verdicts = new VerdictBoard();
    const throughput = new SpeedThroughput();
    const verdictConsumer = await startVerdictConsumer({
      kafka,
      producer,
      board: verdicts,
      accountEvents,
      throughput,
      logger,
    });
    shutdown.add("verdict-consumer", () => verdictConsumer.stop());

    return createApp({
      logger,
      prisma,
      kafka,
      downstream: {
        indexer: config.INDEXER_URL,
        airdrop: config.AIRDROP_URL,
        speedLedger: config.SPEED_LEDGER_URL,
      },
      speed: {
        producer,
        verdicts,
        domain: `btt-speed/v1/${config.SPEED_NETWORK}`,
        events: { hub: accountEvents },
        throughput,
      },
      apiKeyCacheMs: config.GATEWAY_API_KEY_CACHE_MS,
      rateLimits: {
        perIpPerMinute: config.RATE_LIMIT_PER_IP_PER_MINUTE,
        perKeyPerMinute: config.RATE_LIMIT_PER_KEY_PER_MINUTE,
      },
    });
  },
});
// Registered after the HTTP server's close, so it runs before it (hooks run last-first): an open
// event stream never ends by itself and would hold server.close() until the hard timeout.
shutdown.add("speed-event-streams", () => accountEvents.closeAll());
