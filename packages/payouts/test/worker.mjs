// A payout worker process for the crash test: runs the built engine (dist) until SIGTERM, or until
// the test kills it with SIGKILL anywhere in its loop.
import { createPool } from "@btt/shared/db";
import { createLogger } from "@btt/shared/logger";
import { createPayoutEngine, privateKeySigner } from "../dist/index.js";

const env = process.env;
const pool = createPool({ connectionString: env.DATABASE_URL, applicationName: "payout-worker", max: 4 });
const engine = createPayoutEngine({
  pool,
  schema: env.PAYOUT_SCHEMA,
  fullHost: env.TRON_FULL_HOST,
  signer: privateKeySigner(env.PAYOUT_PRIVATE_KEY),
  memoKind: "airdrop",
  workerId: env.WORKER_ID,
  expirationMs: Number(env.EXPIRATION_MS ?? 60_000),
  ratePerSecond: Number(env.RATE ?? 100),
  claimBatchSize: Number(env.CLAIM ?? 20),
  pollMs: 20,
  rebroadcastMs: 1_000,
  referenceRefreshMs: 200,
  budget: { trxPerPaymentSun: 2_000_000n, checkIntervalMs: 500 },
  logger: createLogger({ service: "payout-worker", level: env.LOG_LEVEL ?? "warn" }),
});
engine.start();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await engine.stop();
  process.stdout.write(`${JSON.stringify(engine.stats())}\n`);
  await pool.end();
  process.exit(0);
});
