import { randomUUID } from "node:crypto";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { z } from "zod";
import { errorMessage, isEnvironmentFault, isRetryable } from "../errors/index.js";
import { DeadLetterV1, type EventEnvelope } from "../events/catalog.js";
import { parseEventValue } from "../events/parse.js";
import { deadLetterTopic } from "../events/topics.js";
import type { Logger } from "../logger/index.js";
import type { EventProducer } from "./producer.js";

/** A parsed, schema-checked message. */
export interface ConsumedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  envelope: EventEnvelope;
}

/** Thrown by a handler for a message that can never be applied: it goes to the DLQ. */
export class PermanentMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentMessageError";
  }
}

export interface RunConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  /** Producer for dead letters. */
  producer: EventProducer;
  handle: (event: ConsumedEvent) => Promise<void>;
  fromBeginning?: boolean;
  /** Attempts for an error that is neither transient nor permanent before dead-lettering. */
  maxAttempts?: number;
  /**
   * Longest a fetch waits for data (default 100 ms). Real Kafka answers a long poll as soon as
   * data arrives; the development broker does not, so this bounds delivery latency there.
   */
  maxWaitTimeInMs?: number;
  /** Extra per-topic payload check beyond the catalog (e.g. a stricter shape). */
  payloadSchemas?: Record<string, z.ZodType>;
}

export interface RunningConsumer {
  consumer: Consumer;
  /** Resolves once the consumer has joined its group and holds partitions (first join ~3 s). */
  joined: Promise<void>;
  stop(): Promise<void>;
}

const BACKOFF_MAX_MS = 10_000;

/** Parses a raw message into an envelope whose payload matches its (type, version) contract. */
export function parseEventMessage(
  message: KafkaMessage,
): { ok: true; envelope: EventEnvelope } | { ok: false; reason: string } {
  return parseEventValue(message.value);
}

export async function sendToDeadLetter(
  producer: EventProducer,
  topic: string,
  partition: number,
  message: KafkaMessage,
  reason: string,
): Promise<void> {
  const key = message.key ? message.key.toString("utf8") : null;
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type: "dead.letter",
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: DeadLetterV1.parse({
      topic,
      partition,
      offset: message.offset,
      key,
      reason: reason.slice(0, 2_000),
      valueBase64: (message.value ?? Buffer.alloc(0)).toString("base64"),
      failedAt: new Date().toISOString(),
    }),
  };
  await producer.sendRaw(deadLetterTopic(topic), [
    {
      key,
      value: JSON.stringify(envelope),
      headers: {
        "event-type": "dead.letter",
        "event-version": "1",
        "dlq-reason": reason.slice(0, 500),
        "source-topic": topic,
      },
    },
  ]);
}

/**
 * Runs a consumer group: each message is parsed and checked against its contract, handled, and
 * only then its offset is resolved (and committed). Unparseable messages and permanent failures
 * go to `<topic>.dlq` with the reason and never block the partition; transient failures
 * (database or network down) are retried with backoff, in order.
 */
export async function runEventConsumer(options: RunConsumerOptions): Promise<RunningConsumer> {
  const logger = options.logger.child({ component: "consumer", groupId: options.groupId });
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
  });
  const joined = new Promise<void>((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
  const maxAttempts = options.maxAttempts ?? 5;

  async function handleOne(payload: EachBatchPayload, message: KafkaMessage): Promise<void> {
    const { topic, partition } = payload.batch;
    const parsed = parseEventMessage(message);
    if (!parsed.ok) {
      logger.warn(
        { topic, partition, offset: message.offset, reason: parsed.reason },
        "dead-lettering malformed message",
      );
      await sendToDeadLetter(options.producer, topic, partition, message, parsed.reason);
      return;
    }
    const extra = options.payloadSchemas?.[topic];
    if (extra) {
      const check = extra.safeParse(parsed.envelope.payload);
      if (!check.success) {
        await sendToDeadLetter(
          options.producer,
          topic,
          partition,
          message,
          `payload rejected: ${check.error.issues[0]?.message}`,
        );
        return;
      }
    }
    const event: ConsumedEvent = {
      topic,
      partition,
      offset: message.offset,
      key: message.key ? message.key.toString("utf8") : null,
      envelope: parsed.envelope,
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.handle(event);
        return;
      } catch (error) {
        const permanent =
          error instanceof PermanentMessageError ||
          (!isRetryable(error) && !isEnvironmentFault(error) && attempt >= maxAttempts);
        if (permanent) {
          logger.error(
            { err: error, topic, partition, offset: message.offset },
            "dead-lettering message that cannot be applied",
          );
          await sendToDeadLetter(options.producer, topic, partition, message, errorMessage(error));
          return;
        }
        if (!payload.isRunning() || payload.isStale()) throw error;
        const delayMs = Math.min(BACKOFF_MAX_MS, 100 * 2 ** Math.min(attempt, 10));
        logger.warn(
          { err: error, attempt, delayMs, topic, partition, offset: message.offset },
          "handler failed; retrying",
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await payload.heartbeat();
      }
    }
  }

  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 500,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        await handleOne(payload, message);
        payload.resolveOffset(message.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    },
  });
  return {
    consumer,
    joined,
    async stop() {
      await consumer.disconnect();
    },
  };
}
