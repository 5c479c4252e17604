import { createHttpApp, createMetrics, finishHttpApp } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import type { Kafka } from "kafkajs";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";
import { mountIndexerRoutes, type RouteDeps } from "./http/routes.js";

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
  /** The chain follower, snapshot worker and their pool; absent in the foundation tests. */
  indexer?: RouteDeps;
}

/** The indexer service's internal HTTP API, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const indexer = deps.indexer;
  const app = createHttpApp({
    logger: deps.logger,
    metrics: createMetrics("indexer"),
    readiness: [
      { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
      { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
      ...(indexer
        ? [
            {
              name: "tron-node",
              critical: false,
              check: async () => {
                await indexer.node.postOnce("/wallet/getnowblock", {});
              },
            },
          ]
        : []),
    ],
  });
  if (indexer) mountIndexerRoutes(app, indexer);
  return finishHttpApp(app);
}
