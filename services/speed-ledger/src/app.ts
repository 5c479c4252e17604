import { createHttpApp, createMetrics, finishHttpApp } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import type { Kafka } from "kafkajs";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
}

/** The speed-ledger service's internal HTTP API, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const app = createHttpApp({
    logger: deps.logger,
    metrics: createMetrics("speed-ledger"),
    readiness: [
      { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
      { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
    ],
  });
  return finishHttpApp(app);
}
