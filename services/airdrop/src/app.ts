import { createHttpApp, createMetrics, finishHttpApp } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import type { Kafka } from "kafkajs";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";
import { type AirdropRouteDeps, mountAirdropRoutes } from "./http/routes.js";

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
  /** The schedule, rounds and entitlement queries; absent in the foundation tests. */
  airdrop?: AirdropRouteDeps & { checks?: { name: string; check: () => Promise<void> }[] };
}

/** The airdrop service's internal HTTP API, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const app = createHttpApp({
    logger: deps.logger,
    metrics: createMetrics("airdrop"),
    readiness: [
      { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
      { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
      ...(deps.airdrop?.checks ?? []).map((c) => ({ ...c, critical: false })),
    ],
  });
  if (deps.airdrop) mountAirdropRoutes(app, deps.airdrop);
  return finishHttpApp(app);
}
