import type { Pool } from "@btt/shared/db";
import { createHttpApp, finishHttpApp, type HttpMetrics } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import type { Kafka } from "kafkajs";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";
import { mountLedgerRoutes } from "./http/routes.js";
import { LedgerQueries } from "./ledger/queries.js";
import type { Reconciler } from "./reconciliation/reconciler.js";

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
  metrics: HttpMetrics;
  /** The ledger itself; absent in the foundation's basic tests. */
  ledger?: { pool: Pool; reconciler: Reconciler };
}

/** The speed-ledger service's internal HTTP API, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const app = createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: [
      { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
      { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
    ],
  });
  if (deps.ledger)
    mountLedgerRoutes(app, {
      pool: deps.ledger.pool,
      queries: new LedgerQueries(deps.ledger.pool),
      reconciler: deps.ledger.reconciler,
    });
  return finishHttpApp(app);
}
