import { execFile } from "node:child_process";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Express } from "express";
import type { Kafka } from "kafkajs";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../db/index.js";
import { ErrorBody } from "../http/error-body.js";
import { createKafka, enqueueOutbox, outboxTableFor } from "../kafka/index.js";
import { createLogger, type Logger } from "../logger/index.js";
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from "./index.js";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Runs the service's real `prisma migrate deploy` (WASM engine) against `url`. */
export async function deployMigrations(serviceDir: string, schema: string, url: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, "infra/prisma/prisma.mjs"), schema, "migrate", "deploy"],
    {
      cwd: serviceDir,
      env: { ...process.env, DATABASE_URL: url },
    },
  );
  return stdout;
}

export const silentLogger: Logger = createLogger({
  service: "test",
  level: "silent",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

interface Disconnectable {
  $disconnect(): Promise<void>;
}

export interface ServiceBasicsOptions<Db extends Disconnectable> {
  service: string;
  schema: string;
  serviceDir: string;
  /** Tables the first migration must create in the service's schema. */
  tables: string[];
  portVariable: string;
  hasOutbox: boolean;
  createPrisma: (url: string) => Db;
  createApp: (deps: { logger: Logger; prisma: Db; kafka: Kafka }) => Express;
}

/**
 * The foundation every service shares, as a test suite: its migrations apply through the real
 * Prisma CLI into its own schema, `/healthz`, `/readyz` and `/metrics` answer against real
 * PostgreSQL and Kafka, readiness drops when Kafka is gone, and a bad configuration stops the
 * compiled service at start with every bad variable named.
 */
export function describeServiceBasics<Db extends Disconnectable>(options: ServiceBasicsOptions<Db>): void {
  describe(`${options.service}: foundation`, () => {
    let db: TestDatabase;
    let prisma: Db;
    const kafka = createKafka({
      clientId: `${options.service}-test`,
      brokers: testKafkaBrokers(),
      logger: silentLogger,
    });

    beforeAll(async () => {
      db = await createTestDatabase();
      await deployMigrations(options.serviceDir, options.schema, db.url);
      prisma = options.createPrisma(db.url);
    });
    afterAll(async () => {
      await prisma?.$disconnect();
      await db?.drop();
    });

    it("applies its migrations with prisma migrate deploy into its own schema", async () => {
      const { rows } = await db.pool.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
      );
      const expected = ["_prisma_migrations", ...options.tables].sort().map((t) => `${options.schema}.${t}`);
      expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual(expected);
      // A second deploy is a no-op.
      expect(await deployMigrations(options.serviceDir, options.schema, db.url)).toMatch(
        /No pending migrations/,
      );
    });

    it("answers /healthz, /readyz and /metrics against real PostgreSQL and Kafka", async () => {
      const app = options.createApp({ logger: silentLogger, prisma, kafka });
      await request(app).get("/healthz").expect(200, { status: "ok" });
      const ready = await request(app).get("/readyz").expect(200);
      expect(ready.body.status).toBe("ready");
      expect(ready.body.dependencies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: "postgres", state: "up", critical: true }),
          expect.objectContaining({ name: "kafka", state: "up", critical: true }),
        ]),
      );
      const metrics = await request(app).get("/metrics").expect(200);
      expect(metrics.text).toContain(
        `http_requests_total{method="GET",route="/healthz",status="200",service="${options.service}"} 1`,
      );
      expect(metrics.text).toContain("process_cpu_seconds_total");
      const missing = await request(app).get("/no-such-route").expect(404);
      expect(ErrorBody.parse(missing.body).error.code).toBe("NOT_FOUND");
    });

    it("reports unready with the failing dependency when Kafka is unreachable", async () => {
      const deadKafka = createKafka({
        clientId: "dead",
        brokers: ["127.0.0.1:1"],
        logger: silentLogger,
        config: { retry: { retries: 0 }, connectionTimeout: 500 },
      });
      const app = options.createApp({ logger: silentLogger, prisma, kafka: deadKafka });
      const res = await request(app).get("/readyz").expect(503);
      expect(res.body.dependencies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: "kafka", state: "down" }),
          expect.objectContaining({ name: "postgres", state: "up" }),
        ]),
      );
    });

    if (options.hasOutbox) {
      it("carries the outbox table the shared relay writes and reads", async () => {
        const outbox = outboxTableFor(options.schema);
        const [envelope] = await withTransaction(db.pool, (client) =>
          enqueueOutbox(client, outbox, [
            {
              topic: "indexer.snapshots",
              key: "6600000",
              event: "snapshot.completed@1",
              payload: {
                height: 6_600_000,
                blockId: "00".repeat(32),
                blockTime: "2019-02-11T00:00:00.000Z",
                holders: 1,
                total: "1",
                totals: { liquid: "1", frozen: "0", unfreezing: "0" },
                contentHash: "ab".repeat(32),
              },
            },
          ]),
        );
        const { rows } = await db.pool.query(`SELECT id, topic, key FROM ${outbox.table}`);
        expect(rows).toEqual([{ id: envelope?.id, topic: "indexer.snapshots", key: "6600000" }]);
      });
    }

    it("stops at start with every bad variable named, not a stack trace", async () => {
      const main = path.join(options.serviceDir, "dist/main.js");
      const failure = await run(process.execPath, [main], {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: "mysql://nope",
          KAFKA_BROKERS: "not a broker",
          [options.portVariable]: "eighty",
        },
        timeout: 20_000,
      }).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failure?.code).toBe(78);
      const stderr = failure?.stderr ?? "";
      expect(stderr).toContain(`Invalid configuration for ${options.service}`);
      for (const variable of ["DATABASE_URL", "KAFKA_BROKERS", options.portVariable])
        expect(stderr).toContain(`${variable}:`);
      expect(stderr).toContain("hint:");
      expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });
}
