import { fileURLToPath } from "node:url";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { deployMigrations, silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import { type AppDeps, createApp } from "../src/app.js";
import { createApiKeyRepository } from "../src/data/api-keys.js";
import { createPrismaClient, type PrismaClient } from "../src/data/prisma.js";
import type { DownstreamTimeouts } from "../src/http/downstream-client.js";
import type { SpeedRoutesDeps } from "../src/http/speed-routes.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { bootstrapApiKeys } from "../src/use-cases/bootstrap-api-keys.js";
import {
  type RecordingService,
  startRecordingService,
  UNREACHABLE_DOWNSTREAM,
} from "./downstream-fixtures.js";

/**
 * The gateway against a real PostgreSQL database and three recording HTTP servers playing the
 * airdrop, the indexer and the speed ledger. Short downstream deadlines keep the outage tests quick.
 */

export const OPERATOR = "op_proxy_operator_key_0123456789abcdef";
export const OPERATOR_2 = "op_proxy_operator_key_2_0123456789abcdef";
export const EXCHANGE = "ex_proxy_exchange_key_0123456789abcdef";
export const TEST_TIMEOUTS: DownstreamTimeouts = {
  readMs: 400,
  writeMs: 400,
  streamStartMs: 400,
  streamIdleMs: 400,
};

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export interface ProxyHarness {
  db: TestDatabase;
  prisma: PrismaClient;
  airdrop: RecordingService;
  indexer: RecordingService;
  ledger: RecordingService;
  app: Express;
  /** API key ids by configured key. */
  keyIds: Record<string, string>;
  /** Another app on the same database, with other downstream URLs (deadlines, Speed parts). */
  appWith(
    downstream: Partial<AppDeps["downstream"]>,
    options?: { timeouts?: DownstreamTimeouts; speed?: Partial<SpeedRoutesDeps> },
  ): Express;
  close(): Promise<void>;
}

export async function startProxyHarness(): Promise<ProxyHarness> {
  const db = await createTestDatabase();
  await deployMigrations(fileURLToPath(new URL("..", import.meta.url)), "gateway", db.url);
  const prisma = createPrismaClient(db.url);
  const keys = createApiKeyRepository(prisma);
  await bootstrapApiKeys(
    keys,
    [
      { role: "operator", keys: [OPERATOR, OPERATOR_2] },
      { role: "exchange", keys: [EXCHANGE] },
    ],
    silentLogger,
  );
  const ids = await db.pool.query<{ id: string; name: string }>("SELECT id, name FROM gateway.api_keys");
  const idOf = (name: string) => ids.rows.find((r) => r.name === name)?.id ?? "";
  const keyIds = {
    [OPERATOR]: idOf("env:operator:1"),
    [OPERATOR_2]: idOf("env:operator:2"),
    [EXCHANGE]: idOf("env:exchange:1"),
  };
  const [airdrop, indexer, ledger] = await Promise.all([
    startRecordingService(),
    startRecordingService(),
    startRecordingService(),
  ]);
  // These routes never touch Kafka: an unreachable broker keeps the test independent of it.
  const kafka = createKafka({ clientId: "proxy-test", brokers: ["127.0.0.1:1"], logger: silentLogger });
  const speed = {
    producer: createEventProducer(kafka),
    verdicts: new VerdictBoard(),
    domain: "btt-speed/v1/devnet",
  };
  const appWith: ProxyHarness["appWith"] = (downstream, options = {}) =>
    createApp({
      logger: silentLogger,
      prisma,
      kafka,
      downstream: {
        ...UNREACHABLE_DOWNSTREAM,
        airdrop: airdrop.url,
        indexer: indexer.url,
        speedLedger: ledger.url,
        ...downstream,
      },
      downstreamTimeouts: options.timeouts ?? TEST_TIMEOUTS,
      speed: { ...speed, ...options.speed },
      rateLimits: { perIpPerMinute: 1e9, perKeyPerMinute: 1e9 },
    });
  return {
    db,
    prisma,
    airdrop,
    indexer,
    ledger,
    app: appWith({}),
    keyIds,
    appWith,
    async close() {
      await Promise.all([airdrop.close(), indexer.close(), ledger.close()]);
      await prisma.$disconnect();
      await db.drop();
    },
  };
}
