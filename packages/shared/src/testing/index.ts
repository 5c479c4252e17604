import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { createPool } from "../db/index.js";

/**
 * Test support: a fresh PostgreSQL database per test file (never a mock), with the service's
 * Prisma migrations applied in order, and the Kafka brokers the test runner started.
 */

export function requireEnv(name: string, purpose: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: ${purpose}. Run the tests through \`npm test\`, which provides it.`);
  }
  return value;
}

export function testDatabaseAdminUrl(): string {
  return requireEnv("DATABASE_URL", "tests need a real PostgreSQL server");
}

export function testKafkaBrokers(): string[] {
  return requireEnv("KAFKA_BROKERS", "Kafka tests need the development broker").split(",");
}

export interface TestDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Applies every `migrations/<name>/migration.sql` under `migrationsDir`, in name order. */
export async function applyMigrations(url: string, migrationsDir: string): Promise<string[]> {
  const entries = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const name of entries) {
      await client.query(await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8"));
    }
  } finally {
    await client.end();
  }
  return entries;
}

export async function createTestDatabase(
  options: { migrationsDirs?: string[]; schema?: string } = {},
): Promise<TestDatabase> {
  const adminUrl = new URL(testDatabaseAdminUrl());
  const name = `btt_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();

  const url = new URL(adminUrl.toString());
  url.pathname = `/${name}`;
  for (const dir of options.migrationsDirs ?? []) await applyMigrations(url.toString(), dir);
  const pool = createPool({
    connectionString: url.toString(),
    applicationName: "test",
    max: 5,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: adminUrl.toString() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
export { SPEED_SIGNATURE_GOLDEN } from "./golden.js";
