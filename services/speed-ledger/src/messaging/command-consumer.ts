import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, withTransaction } from "@btt/shared/db";
import { errorMessage, isEnvironmentFault, isRetryable, isUniqueViolation } from "@btt/shared/errors";
import { type EventProducer, sendToDeadLetter } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { VerifiedCommand } from "../domain/verify.js";
import { type ApplyOptions, applyCommands, type Verdict } from "../ledger/apply-commands.js";
import type { LedgerMetrics } from "../metrics.js";
import { CommandParser } from "./command-parser.js";

/**
 * The `speed.commands` consumer (kafkajs consumer group; the topic is keyed by the debited
 * account, so one account's commands arrive in order on one partition). A fetched batch is
 * parsed and its signatures recovered (on worker threads, command-parser.ts; malformed messages go
 * to `speed.commands.dlq` with the reason), and it is applied in runs of up to `chunkSize` commands, each run in one PostgreSQL
 * transaction with its dedup records and verdict events. Offsets are resolved and committed only
 * after that transaction commits: a crash redelivers, the dedup answers, nothing applies twice.
 * A run that fails for a reason other than a transient one is retried command by command, so one
 * poison message goes to the DLQ and never blocks its partition.
 *
 * The partitions' runs are group-committed: the runs that are ready while a transaction is in
 * flight are applied together in the next one (up to `maxGroupCommands`), in one process-wide
 * queue. Partitions share payees, so runs applied in concurrent transactions would mostly wait for
 * each other's row locks; one transaction at a time never waits, writes each balance row once for
 * the whole group, and lets the next runs be parsed and their signatures recovered while
 * PostgreSQL works. Each partition keeps its order (its next run is submitted only once the one
 * before has committed). If a group fails, its runs are applied one by one as above.
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
  /** Commands per group-committed transaction at most (whole runs); default 4 × chunkSize. */
  maxGroupCommands?: number;
  /** Worker threads parsing commands and recovering signatures; 0: the consumer's thread. Default 1. */
  parserThreads?: number;
  maxWaitTimeInMs?: number;
  metrics?: LedgerMetrics;
  clock?: () => Date;
}

export interface RunningCommandConsumer {
  consumer: Consumer;
  joined: Promise<void>;
  stop(): Promise<void>;
}

interface Submitted {
  payload: EachBatchPayload;
  run: Parsed[];
  done: () => void;
  failed: (error: unknown) => void;
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
  const parser = new CommandParser(options.parserThreads ?? 1, (error) =>
    logger.error({ err: error }, "a command parser worker failed; parsing on the consumer's thread"),
  );
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

  /** One transaction; `assumeFresh` skips the dedup lookup (apply-commands.ts). */
  async function applyRun(run: Parsed[], assumeFresh = false): Promise<Verdict[]> {
    const verdicts = await withTransaction(options.pool, (client) =>
      applyCommands(
        client,
        run.map((p) => p.verified),
        options.apply,
        clock(),
        { assumeFresh },
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
        const transient = isRetryable(error) || isUniqueViolation(error) || isEnvironmentFault(error);
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

  const maxGroup = options.maxGroupCommands ?? 4 * chunkSize;
  const queue: Submitted[] = [];
  let applying = false;

  /** Applies what is queued, group after group, until the queue is empty (one loop at a time). */
  async function drainQueue(): Promise<void> {
    if (applying) return;
    applying = true;
    try {
      while (queue.length > 0) {
        const group: Submitted[] = [];
        let size = 0;
        while (
          queue.length > 0 &&
          (group.length === 0 || size + (queue[0] as Submitted).run.length <= maxGroup)
        ) {
          const next = queue.shift() as Submitted;
          group.push(next);
          size += next.run.length;
        }
        await applyGroup(group);
      }
    } finally {
      applying = false;
    }
  }

  /**
   * A group is first applied as fresh commands, without looking their (signer, id) pairs up: a
   * redelivery is rare, and when one is in the group its commands row aborts the transaction,
   * and the runs are applied again one by one with the lookup (and, if need be, the isolation of
   * a poison command).
   */
  async function applyGroup(group: Submitted[]): Promise<void> {
    try {
      await applyRun(
        group.flatMap((s) => s.run),
        true,
      );
      for (const s of group) s.done();
      return;
    } catch (error) {
      const redelivered = isUniqueViolation(error);
      (redelivered ? logger.info.bind(logger) : logger.warn.bind(logger))(
        { err: redelivered ? undefined : error, runs: group.length },
        redelivered
          ? "group holds commands applied before; applying its runs one by one"
          : "group commit failed; applying its runs one by one",
      );
    }
    for (const s of group) {
      try {
        await applyWithRetry(s.payload, s.run);
        s.done();
      } catch (error) {
        s.failed(error);
      }
    }
  }

  function submit(payload: EachBatchPayload, run: Parsed[]): Promise<void> {
    return new Promise<void>((done, failed) => {
      queue.push({ payload, run, done, failed });
      // After the callbacks already due in this turn (the other partitions' runs of the same
      // fetch), so that they start in the same transaction.
      setImmediate(() => void drainQueue());
    });
  }

  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 200,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async (payload) => {
      const { partition, messages } = payload.batch;
      for (let start = 0; start < messages.length; start += chunkSize) {
        if (!payload.isRunning() || payload.isStale()) return;
        const chunk = messages.slice(start, start + chunkSize);
        const parsed = await parser.parse(chunk.map((m) => m.value));
        const run: Parsed[] = [];
        for (const [i, result] of parsed.entries()) {
          const message = chunk[i] as KafkaMessage;
          // Offsets before a dead letter commit only with their run; the dead letter goes first.
          if (!result.ok) await deadLetter(partition, message, result.reason);
          else run.push({ message, verified: result.verified, receivedAt: result.receivedAt });
        }
        if (run.length > 0) await submit(payload, run);
        payload.resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
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
      await parser.close();
    },
  };
}
