// `npm test`: sets up what is missing, then lint, type checks and every test against real
// PostgreSQL (DATABASE_URL, or an embedded server) and Kafka (KAFKA_BROKERS, or the development
// broker). Exits non-zero on the first failing stage.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { startKafka, startPostgres } from "./lib/backing.mjs";
import { ensureInstalled } from "./lib/setup.mjs";
import {
  bold,
  ensureAptPackages,
  fail,
  green,
  ok,
  REPO_ROOT,
  run,
  runPnpm,
  STATE_DIR,
  step,
} from "./lib/tools.mjs";

const TEST_POSTGRES_PORT = Number(process.env.TEST_POSTGRES_PORT ?? 5434);
const stages = [];
const cleanups = [];

async function stage(name, work) {
  const started = Date.now();
  step(name);
  await work();
  const seconds = (Date.now() - started) / 1000;
  stages.push({ name, seconds });
  ok(`${name} (${seconds.toFixed(1)} s)`);
}

/** Test databases are named btt_test_<base36 ms>_<hex>; drop any left by a crashed run over an hour ago. */
async function dropStaleTestDatabases(url) {
  // Imported here: on a fresh clone `pg` exists only after the install stage.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT datname FROM pg_database WHERE datname ~ '^btt_(test|stack)_'`,
    );
    const hourAgo = Date.now() - 3_600_000;
    for (const { datname } of rows) {
      const created = Number.parseInt(datname.split("_")[2] ?? "", 36);
      if (Number.isFinite(created) && created < hourAgo)
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/** One plain closing line over every runner: vitest JSON reports and node's TAP. */
function printTestTotals(resultsDir) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (!existsSync(resultsDir)) return;
  for (const file of readdirSync(resultsDir)) {
    const text = readFileSync(path.join(resultsDir, file), "utf8");
    if (file.endsWith(".json")) {
      const report = JSON.parse(text);
      passed += report.numPassedTests;
      failed += report.numFailedTests;
      skipped += report.numPendingTests + report.numTodoTests;
    } else if (file.endsWith(".tap")) {
      const count = (label) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
      passed += count("pass");
      failed += count("fail") + count("cancelled");
      skipped += count("skipped") + count("todo");
    }
  }
  console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}

async function main() {
  const started = Date.now();
  console.log(bold("BTT ecosystem backend — npm test"));
  await stage("install", async () => {
    ensureInstalled();
    ensureAptPackages([
      { command: "docker-compose", package: "docker-compose" },
      // the console's browser tests drive Debian's Chromium (PLATFORM.md), with a text font
      { command: "chromium", package: ["chromium", "fonts-liberation"] },
    ]);
  });
  await stage("lint (biome)", () => runPnpm(["exec", "biome", "check", "."]));
  await stage("build and typecheck (turbo)", () =>
    runPnpm(["exec", "turbo", "run", "build", "typecheck", "--output-logs=errors-only"]),
  );
  await stage("Kafka development broker", async () => {
    const { ensureKafkaDevBuilt } = await import("../kafka-dev/index.mjs");
    await ensureKafkaDevBuilt();
  });

  let databaseUrl;
  let kafkaBrokers;
  await stage("backing services", async () => {
    const postgres = await startPostgres({
      dataDir: path.join(STATE_DIR, "test-postgres"),
      port: TEST_POSTGRES_PORT,
      fresh: true,
      database: "postgres",
    });
    cleanups.push(postgres.stop);
    databaseUrl = postgres.url;
    await dropStaleTestDatabases(databaseUrl);
    const kafka = await startKafka({ rebalanceDelayMs: 0 });
    cleanups.push(kafka.stop);
    kafkaBrokers = kafka.brokers;
  });

  const resultsDir = path.join(STATE_DIR, "test-results");
  rmSync(resultsDir, { recursive: true, force: true });
  const testEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers,
    BTT_TEST_RESULTS: resultsDir,
  };
  try {
    await stage("unit and integration tests (turbo run test)", () =>
      runPnpm(["exec", "turbo", "run", "test", "--concurrency=2", "--output-logs=full"], { env: testEnv }),
    );
    await stage("stack, end-to-end, fault and compose tests (node --test infra/test)", () =>
      run(
        process.execPath,
        [
          "--test",
          "--test-concurrency=1",
          "--test-reporter=spec",
          "--test-reporter-destination=stdout",
          "--test-reporter=tap",
          `--test-reporter-destination=${path.join(resultsDir, "infra.tap")}`,
          // the test files only: infra/test/lib and infra/test/e2e hold the suites they run
          ...readdirSync(path.join(REPO_ROOT, "infra/test"))
            .filter((f) => f.endsWith(".test.mjs"))
            .map((f) => path.join("infra/test", f)),
        ],
        { env: testEnv, cwd: REPO_ROOT },
      ),
    );
  } finally {
    printTestTotals(resultsDir);
  }

  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${green(bold(`All stages passed in ${total} s`))}`);
  for (const s of stages) console.log(`  ${s.name.padEnd(52)} ${s.seconds.toFixed(1).padStart(6)} s`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  fail(error.message);
  exitCode = error.exitCode ?? 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}
process.exit(exitCode);
