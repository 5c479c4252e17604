import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, withTransaction } from "@btt/shared/db";
import { errorMessage, isEnvironmentFault, isRetryable } from "@btt/shared/errors";
import type { SignedSpeedCommand } from "@btt/shared/events";
import { type EventProducer, parseEventMessage, sendToDeadLetter } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import { type VerifiedCommand, verifyCommand } from "../domain/verify.js";
import { type ApplyOptions, applyCommands, type Verdict } from "../ledger/apply-commands.js";
import type { LedgerMetrics } from "../metrics.js";

/**
 * The `speed.commands` consumer (kafkajs consumer group; the topic is keyed by the debited
 * account, so one account's commands arrive in order on one partition). A fetched batch is
 * parsed (malformed messages go to `speed.commands.dlq` with the reason), its signatures are
 * recovered, and it is applied in runs of up to `chunkSize` commands, each run in one PostgreSQL
 * transaction with its dedup records and verdict events. Offsets are resolved and committed only
 * after that transaction commits: a crash redelivers, the dedup answers, nothing applies twice.
 * A run that fails for a reason other than a transient one is retried command by command, so one
 * poison message goes to the DLQ and never blocks its partition.
 */

export const COMMANDS_TOPIC = "speed.commands";
const BACKOFF_MAX_MS = 5_000;

export interface CommandConsumerOptions {
  kafka: Kafka;
  pool: Pool;
  producer: EventProducer;
  logger: Logger;
  apply: ApplyOptions;
  groupId?: string;
  /** Commands per database transaction; default 500. */
  chunkSize?: number;
  /** Partitions processed at once; default 4. */
  partitionsConsumedConcurrently?: number;
  maxWaitTimeInMs?: number;
  metrics?: LedgerMetrics;
  clock?: () => Date;
}

export interface RunningCommandConsumer {
  consumer: Consumer;
  joined: Promise<void>;
  stop(): Promise<void>;
}

interface Parsed {
  message: KafkaMessage;
  verified: VerifiedCommand;
  receivedAt: number | null;
}

export async function startCommandConsumer(options: CommandConsumerOptions): Promise<RunningCommandConsumer> {
  const logger = options.logger.child({ component: "command-consumer" });
  const chunkSize = options.chunkSize ?? 500;
  const clock = options.clock ?? (() => new Date());
  const consumer = options.kafka.consumer({
    groupId: options.groupId ?? "speed-ledger-commands",
    allowAutoTopicCreation: false,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 20,
    maxBytesPerPartition: 1_048_576,
  });
  const joined = new Promise<void>((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [COMMANDS_TOPIC], fromBeginning: true });

  async function deadLetter(partition: number, message: KafkaMessage, reason: string): Promise<void> {
    logger.warn({ partition, offset: message.offset, reason }, "dead-lettering speed command");
    options.metrics?.deadLettered.inc();
    await sendToDeadLetter(options.producer, COMMANDS_TOPIC, partition, message, reason);
  }

  async function applyRun(run: Parsed[]): Promise<Verdict[]> {
    const verdicts = await withTransaction(options.pool, (client) =>
      applyCommands(
        client,
        run.map((p) => p.verified),
        options.apply,
        clock(),
      ),
    );
    options.metrics?.observe(run, verdicts);
    return verdicts;
  }

  /** Applies a run, retrying transient failures; isolates a poison command by going one by one. */
  async function applyWithRetry(payload: EachBatchPayload, run: Parsed[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await applyRun(run);
        return;
      } catch (error) {
        // A lost dedup race (23505) and a broken deployment (a missing table…) are retried: neither
        // is the command's fault, and dead-lettering would drop every command behind it.
        const transient =
          isRetryable(error) || (error as { code?: string }).code === "23505" || isEnvironmentFault(error);
        if (!transient) {
          if (run.length > 1) {
            logger.warn({ err: error, commands: run.length }, "run failed; applying its commands one by one");
            for (const one of run) await applyWithRetry(payload, [one]);
            return;
          }
          const only = run[0] as Parsed;
          await deadLetter(
            payload.batch.partition,
            only.message,
            `cannot be applied: ${errorMessage(error)}`,
          );
          return;
        }
        if (!payload.isRunning() || payload.isStale()) throw error;
        const delayMs = Math.min(BACKOFF_MAX_MS, 50 * 2 ** Math.min(attempt, 10));
        const log = isEnvironmentFault(error) ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ err: error, attempt, delayMs }, "applying commands failed; retrying");
        await sleep(delayMs);
        await payload.heartbeat();
      }
    }
  }

  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 200,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async (payload) => {
      const { partition, messages } = payload.batch;
      let run: Parsed[] = [];
      let lastOffset: string | null = null;
      const flush = async () => {
        if (run.length > 0) await applyWithRetry(payload, run);
        run = [];
        if (lastOffset !== null) {
          payload.resolveOffset(lastOffset);
          await payload.commitOffsetsIfNecessary();
          await payload.heartbeat();
        }
      };
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) return;
        const parsed = parseCommandMessage(message);
        if ("reason" in parsed) {
          // Offsets before it must commit only with their run; the dead letter goes first.
          await deadLetter(partition, message, parsed.reason);
        } else {
          run.push(parsed);
        }
        lastOffset = message.offset;
        if (run.length >= chunkSize) await flush();
      }
      await flush();
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

/** A `speed.command@1` envelope → the command with its recovered signer, or why it is malformed. */
export function parseCommandMessage(message: KafkaMessage): Parsed | { reason: string } {
  const parsed = parseEventMessage(message);
  if (!parsed.ok) return { reason: parsed.reason };
  if (parsed.envelope.type !== "speed.command" || parsed.envelope.version !== 1)
    return {
      reason: `unexpected event ${parsed.envelope.type}@${parsed.envelope.version} on ${COMMANDS_TOPIC}`,
    };
  const payload = parsed.envelope.payload as SignedSpeedCommand & { receivedAt: string };
  return {
    message,
    verified: verifyCommand({ command: payload.command, signature: payload.signature }),
    receivedAt: Date.parse(payload.receivedAt),
  };
}
