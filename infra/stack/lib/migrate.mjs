// Applies every service's Prisma migrations (prisma migrate deploy, WASM engine) to one database.
import { spawn } from "node:child_process";
import path from "node:path";
import { SERVICES } from "./services.mjs";
import { ok, REPO_ROOT } from "./tools.mjs";

/** One service's `prisma migrate deploy`; its output (Prisma's banners) is shown only on failure. */
function deployMigrations(service, databaseUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, "infra/prisma/prisma.mjs"), service.schema, "migrate", "deploy"],
      {
        cwd: path.join(REPO_ROOT, service.dir),
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) return resolve();
      process.stderr.write(output);
      const error = new Error(
        `migrations of ${service.name} (schema ${service.schema}) failed: ${code ?? signal}`,
      );
      error.exitCode = code ?? 1;
      reject(error);
    });
  });
}

/**
 * The four schemas are independent, so their deploys run side by side (each CLI spends most of
 * its time starting Node and the WASM engine: ~8 s together instead of ~17 s one after the other).
 */
export async function deployAllMigrations(databaseUrl) {
  // every deploy runs to its end (no CLI is left behind), then the first failure is reported
  const results = await Promise.allSettled(SERVICES.map((service) => deployMigrations(service, databaseUrl)));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  ok(`migrations applied (schemas ${SERVICES.map((s) => s.schema).join(", ")})`);
}

/**
 * Drops the services' schemas (tables, data, migration history). The stack does this when it
 * starts a new devnet: that chain lives in memory, so whatever the services stored about the
 * previous one (the indexer's blocks and cursor, rounds, payouts, the ledger's deposits) describes
 * a chain that no longer exists, and the indexer would halt on the first block id that differs.
 */
export async function resetServiceSchemas(databaseUrl) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", [
      SERVICES.map((s) => s.schema),
    ]);
    if (rows.length > 0)
      await client.query(`DROP SCHEMA ${rows.map((r) => `"${r.nspname}"`).join(", ")} CASCADE`);
    return rows.map((r) => r.nspname);
  } finally {
    await client.end();
  }
}
