import { type Pool, withTransaction } from "@btt/shared/db";
import type { ChainDepositV1 } from "@btt/shared/events";
import { type EventProducer, type RunningConsumer, runEventConsumer } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Kafka } from "kafkajs";
import type { z } from "zod";
import { applyDeposit, type DepositRules } from "../ledger/deposits.js";
import type { LedgerMetrics } from "../metrics.js";

/**
 * `chain.deposits` (indexer → ledger): solidified BTT transfers to the custody address. Each is
 * applied once by txid in its own transaction; the shared consumer commits the offset after it
 * and dead-letters what does not parse.
 */
export function startDepositConsumer(options: {
  kafka: Kafka;
  pool: Pool;
  producer: EventProducer;
  logger: Logger;
  rules: DepositRules;
  metrics?: LedgerMetrics;
  groupId?: string;
}): Promise<RunningConsumer> {
  const logger = options.logger.child({ component: "deposit-consumer" });
  return runEventConsumer({
    kafka: options.kafka,
    groupId: options.groupId ?? "speed-ledger-deposits",
    topics: ["chain.deposits"],
    logger,
    producer: options.producer,
    handle: async (event) => {
      if (event.envelope.type !== "chain.deposit") return;
      const deposit = event.envelope.payload as z.infer<typeof ChainDepositV1>;
      const outcome = await withTransaction(options.pool, (client) =>
        applyDeposit(client, deposit, options.rules),
      );
      options.metrics?.deposits.inc({
        credited: outcome.applied
          ? outcome.creditedTo.startsWith("system:")
            ? outcome.creditedTo.slice("system:".length)
            : "user"
          : outcome.why,
      });
      if (outcome.applied)
        logger.info(
          { txId: deposit.txId, from: deposit.from, amount: deposit.amount, creditedTo: outcome.creditedTo },
          "deposit credited",
        );
    },
  });
}
