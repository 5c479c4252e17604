import { createHttpApp, createMetrics, finishHttpApp, type ReadinessCheck } from "@btt/shared/http";
import { pingKafka } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Express } from "express";
import helmet from "helmet";
import type { Kafka } from "kafkajs";
import { createApiKeyRepository } from "./data/api-keys.js";
import { cachedApiKeyRepository } from "./data/cached-api-keys.js";
import { type PrismaClient, pingDatabase } from "./data/prisma.js";
import { AIRDROP_ROUTES } from "./http/airdrop-routes.js";
import { mountApiKeyRoutes } from "./http/api-keys-routes.js";
import { mountConsoleRoutes } from "./http/console-routes.js";
import { mountDocsRoutes } from "./http/docs-routes.js";
import { downstreamCheck } from "./http/downstream.js";
import {
  createDownstreamClient,
  DEFAULT_DOWNSTREAM_TIMEOUTS,
  type DownstreamTimeouts,
} from "./http/downstream-client.js";
import { mountProxyRoutes } from "./http/proxy-route.js";
import { DEFAULT_RATE_LIMITS, type RateLimits, rateLimiters } from "./http/rate-limits.js";
import { SNAPSHOT_ROUTES } from "./http/snapshot-routes.js";
import { mountSpeedEventsRoute } from "./http/speed-events-route.js";
import { speedLedgerRoutes } from "./http/speed-ledger-routes.js";
import { mountSpeedRoutes, type SpeedRoutesDeps } from "./http/speed-routes.js";
import { mountSpeedThroughputRoute } from "./http/speed-throughput-route.js";
import { AccountEventHub } from "./messaging/account-events.js";
import { ForwardedCommands } from "./messaging/forwarded-commands.js";
import { SpeedThroughput } from "./messaging/speed-throughput.js";

/** Base URLs of the internal services the gateway fronts. */
export interface DownstreamUrls {
  indexer: string;
  airdrop: string;
  speedLedger: string;
}

export interface AppDeps {
  logger: Logger;
  prisma: PrismaClient;
  kafka: Kafka;
  /**
   * Internal services: `/v1/snapshots…` go to the indexer, `/v1/schedule…`, `/v1/rounds…` and
   * `/v1/entitlements…` to the airdrop, the `/v1/speed/…` reads and grants to the speed ledger;
   * `/readyz` lists each without making the gateway unready (API.md: an outage shows as 503 on the
   * routes that need it).
   */
  downstream: DownstreamUrls;
  downstreamTimeouts?: DownstreamTimeouts;
  speed: SpeedRoutesDeps;
  rateLimits?: RateLimits;
  /** How long a looked-up API key is trusted (ms; 0 = off; default API_KEY_CACHE_MS_DEFAULT). */
  apiKeyCacheMs?: number;
}

/** The gateway's Express app, without `listen` (supertest drives it). */
export function createApp(deps: AppDeps): Express {
  const readiness: ReadinessCheck[] = [
    { name: "postgres", critical: true, check: () => pingDatabase(deps.prisma) },
    { name: "kafka", critical: true, check: () => pingKafka(deps.kafka) },
    downstreamCheck("indexer", deps.downstream.indexer),
    downstreamCheck("airdrop", deps.downstream.airdrop),
    downstreamCheck("speed-ledger", deps.downstream.speedLedger),
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
  const keys = cachedApiKeyRepository(createApiKeyRepository(deps.prisma), { ttlMs: deps.apiKeyCacheMs });
  const timeouts = deps.downstreamTimeouts ?? DEFAULT_DOWNSTREAM_TIMEOUTS;
  const proxy = { keys, prisma: deps.prisma, timeouts };
  mountApiKeyRoutes(app, { prisma: deps.prisma, keys });
  mountProxyRoutes(
    app,
    AIRDROP_ROUTES,
    createDownstreamClient("airdrop", deps.downstream.airdrop, timeouts),
    proxy,
  );
  mountProxyRoutes(
    app,
    SNAPSHOT_ROUTES,
    createDownstreamClient("indexer", deps.downstream.indexer, timeouts),
    proxy,
  );
  const forwarded = deps.speed.forwarded ?? new ForwardedCommands();
  const throughput = deps.speed.throughput ?? new SpeedThroughput();
  // Before the proxied /v1/speed routes, so the ledger's routes never shadow it.
  mountSpeedThroughputRoute(app, { keys, throughput });
  mountProxyRoutes(
    app,
    speedLedgerRoutes(forwarded),
    createDownstreamClient("speed-ledger", deps.downstream.speedLedger, timeouts),
    proxy,
    "/v1/speed",
  );
  mountSpeedRoutes(app, { ...deps.speed, forwarded, throughput });
  mountSpeedEventsRoute(app, deps.speed.events ?? { hub: new AccountEventHub() });
  mountDocsRoutes(app);
  mountConsoleRoutes(app);
  return finishHttpApp(app);
}
