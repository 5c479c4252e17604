import { createHttpApp, createMetrics, finishHttpApp, type ReadinessCheck } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import helmet from "helmet";
import type { Kafka } from "kafkajs";
import { createApiKeyRepository } from "./data/api-keys.js";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";
import { mountApiKeyRoutes } from "./http/api-keys-routes.js";
import { mountDocsRoutes } from "./http/docs-routes.js";
import { downstreamCheck } from "./http/downstream.js";
import { DEFAULT_RATE_LIMITS, type RateLimits, rateLimiters } from "./http/rate-limits.js";
import { mountSpeedRoutes, type SpeedRoutesDeps } from "./http/speed-routes.js";

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
  /** Internal services, listed by `/readyz` without making the gateway unready (API.md). */
  downstream: { name: string; url: string }[];
  speed: SpeedRoutesDeps;
  rateLimits?: RateLimits;
}

/** The gateway's Express app, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const readiness: ReadinessCheck[] = [
    { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
    { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
    ...deps.downstream.map((d) => downstreamCheck(d.name, d.url)),
  ];
  const app = createHttpApp({
    logger: deps.logger,
    metrics: createMetrics("gateway"),
    readiness,
    // Security headers on every answer. CORS stays closed: no Access-Control-Allow-Origin is ever
    // sent, so browsers on other origins cannot read the API (a console is served same-origin).
    middleware: [
      helmet({ crossOriginResourcePolicy: { policy: "same-origin" } }),
      ...rateLimiters(deps.rateLimits ?? DEFAULT_RATE_LIMITS),
    ],
  });
  mountApiKeyRoutes(app, { prisma: deps.prisma, keys: createApiKeyRepository(deps.prisma) });
  mountSpeedRoutes(app, deps.speed);
  mountDocsRoutes(app);
  return finishHttpApp(app);
}
