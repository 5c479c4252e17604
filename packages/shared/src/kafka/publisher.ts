import type { Kafka } from "kafkajs";
import type pg from "pg";
import { createPool } from "../db/index.js";
import type { Shutdown } from "../http/shutdown.js";
import type { Logger } from "../logger/index.js";
import { createOutboxRelay, type OutboxRelay, type OutboxTable, outboxTableFor } from "./outbox.js";
import { createEventProducer, type EventProducer } from "./producer.js";

export interface OutboxPublisher {
  /** The service's pool for its own SQL (bulk writes, outbox inserts). */
  pool: pg.Pool;
  producer: EventProducer;
  relay: OutboxRelay;
  outbox: OutboxTable;
}

/**
 * Wires a service's event path: a pool on its schema, a producer, and the relay that publishes
 * `<schema>.outbox`; each registers its close with `shutdown` (relay first, pool last).
 */
export async function startOutboxPublisher(options: {
  databaseUrl: string;
  schema: string;
  service: string;
  kafka: Kafka;
  logger: Logger;
  shutdown: Shutdown;
}): Promise<OutboxPublisher> {
  const pool = createPool({
    connectionString: options.databaseUrl,
    applicationName: options.service,
    schema: options.schema,
  });
  options.shutdown.add("postgres-pool", () => pool.end());
  const producer = createEventProducer(options.kafka);
  await producer.connect();
  options.shutdown.add("kafka-producer", () => producer.disconnect());
  const outbox = outboxTableFor(options.schema);
  const relay = createOutboxRelay({
    pool,
    connectionString: options.databaseUrl,
    outbox,
    producer,
    logger: options.logger,
  });
  await relay.start();
  options.shutdown.add("outbox-relay", () => relay.stop());
  return { pool, producer, relay, outbox };
}
