// bench/airdrop: for 1,000,000 holders, the seconds the airdrop takes to compute a round's
// entitlement table (exact, largest remainder), build its Merkle tree and persist both (the code
// the round worker runs), beside PostgreSQL COPY of the same rows into a table of the same shape in
// the same run (goal: ≤ 2×), and peak memory. Then a 20,000-recipient payout on the devnet:
// confirmed payments per second beside TronWeb's single-core signing rate (goal: ≥ 0.5×), measured
// by bench/lib/payouts.mjs (the engine of packages/payouts on its own devnet) in the same command.
//
//   node bench/airdrop.mjs [--holders 1000000] [--recipients 20000] [--skip-payout]
//   npm run bench -- airdrop
//
// PostgreSQL: DATABASE_URL, else the embedded server in .btt/bench-postgres.
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgres } from "../infra/stack/lib/backing.mjs";
import { REPO_ROOT, STATE_DIR } from "../infra/stack/lib/tools.mjs";
import { reportFigures } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    holders: { type: "string", default: "1000000" },
    recipients: { type: "string", default: "20000" },
    "skip-payout": { type: "boolean", default: false },
  },
});
const HOLDERS = Number(values.holders);

const airdrop = (p) => path.join(REPO_ROOT, "services/airdrop/dist", p);
const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
const { buildRoundTable, writeRoundTable } = await import(airdrop("rounds/round-computer.js"));
const { copyRows, createPool } = await import(shared("db/index.js"));
const { applyMigrations } = await import(shared("testing/index.js"));
const { encodeBase58Address } = await import(path.join(REPO_ROOT, "packages/payouts/dist/index.js"));

function rssMb() {
  const status = readFileSync("/proc/self/status", "utf8");
  return {
    now: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
    peak: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
  };
}

/** A fresh database for the run, on DATABASE_URL's server or the embedded one. */
async function database() {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const server = await startPostgres({ dataDir: path.join(STATE_DIR, "bench-postgres"), port: 19432 });
    adminUrl = server.url;
    stop = server.stop;
  }
  const name = `btt_bench_airdrop_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await stop();
    },
  };
}

/** Heavy-tailed TRX holdings: most hold little, a few whales hold a lot; some frozen, few unfreezing. */
function population(n) {
  const rows = new Array(n);
  const bytes = Buffer.alloc(21);
  for (let i = 0; i < n; i += 1) {
    bytes[0] = 0x41;
    randomBytes(20).copy(bytes, 1);
    const scale = 10 ** Math.floor(Math.random() * Math.random() * 8); // up to 10 M TRX: supply-sized totals
    const liquid = BigInt(Math.floor(Math.random() * scale * 1_000_000));
    const frozen = i % 3 === 0 ? BigInt(Math.floor(Math.random() * scale * 1_000_000)) : 0n;
    const unfreezing = i % 50 === 0 ? BigInt(Math.floor(Math.random() * 10_000_000)) : 0n;
    rows[i] = { address: encodeBase58Address(bytes), liquid: liquid + 1n, frozen, unfreezing };
  }
  return rows;
}

const fmt = (x, d = 2) => x.toFixed(d);
const db = await database();
try {
  await applyMigrations(db.url, path.join(REPO_ROOT, "services/airdrop/prisma/migrations"));
  const pool = createPool({ connectionString: db.url, applicationName: "bench-airdrop", max: 4 });
  process.stdout.write(`generating ${HOLDERS.toLocaleString("en")} holders … `);
  // the indexer delivers snapshot rows in address order (COLLATE "C"), as the round worker reads them
  const holdings = population(HOLDERS).sort((a, b) => (a.address < b.address ? -1 : 1));
  const eligible = holdings.reduce((s, h) => s + h.liquid + h.frozen + h.unfreezing, 0n);
  const poolAmount = eligible / 9n; // ~0.11 BTT per TRX, as at the initial drop
  console.log("done");

  const roundId = randomUUID();
  await pool.query(
    `INSERT INTO airdrop.rounds (id, kind, label, pool, status, approvals_required, created_by)
     VALUES ($1, 'event', 'bench', $2, 'computing', 2, 'bench')`,
    [roundId, poolAmount],
  );
  const memBefore = rssMb().now;
  const t0 = performance.now();
  const built = buildRoundTable({
    holdings,
    pool: poolAmount,
    exclusions: [{ address: holdings[7].address, reason: "bench exclusion" }],
    minHoldingSun: 0n,
    alreadyPaid: new Map(),
    tokenId: "1002000",
  });
  const t1 = performance.now();
  let levels = 0;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { root } = await writeRoundTable(client, roundId, built, {
      height: 6_600_000,
      blockId: null,
      contentHash: "bench",
    });
    levels = root === null ? 0 : Math.ceil(Math.log2(built.table.rows.length)) + 1;
    await client.query("COMMIT");
  } finally {
    client.release();
  }
  const t2 = performance.now();
  const sum = built.table.rows.reduce((s, r) => s + r.amount, 0n);
  if (sum !== poolAmount) throw new Error(`Σ entitlements ${sum} ≠ pool ${poolAmount}`);

  // baseline: COPY of the same rows into a table of the same shape (columns, keys, indexes)
  await pool.query("CREATE TABLE airdrop.copy_baseline (LIKE airdrop.entitlements INCLUDING ALL)");
  const rows = built.table.rows.map((r, i) => [
    roundId,
    i,
    r.address,
    r.liquid,
    r.frozen,
    r.unfreezing,
    r.amount,
    null,
  ]);
  const c0 = performance.now();
  const copyClient = await pool.connect();
  try {
    await copyClient.query("BEGIN");
    await copyRows(
      copyClient,
      "airdrop.copy_baseline",
      ["round_id", "leaf_index", "address", "liquid", "frozen", "unfreezing", "amount", "paid_round_id"],
      rows,
    );
    await copyClient.query("COMMIT");
  } finally {
    copyClient.release();
  }
  const c1 = performance.now();
  await pool.end();

  const computeS = (t1 - t0) / 1000;
  const writeS = (t2 - t1) / 1000;
  const totalS = computeS + writeS;
  const copyS = (c1 - c0) / 1000;
  reportFigures("airdrop", [
    {
      figure: `round table, ${HOLDERS.toLocaleString("en")} holders (s)`,
      value: totalS,
      baseline: "PostgreSQL COPY of the rows (s)",
      baselineValue: copyS,
      ratio: totalS / copyS,
      goal: "≤ 2×",
      met: totalS / copyS <= 2,
    },
  ]);
  const mem = rssMb();
  console.log(`
  holders                               ${HOLDERS.toLocaleString("en")} (recipients ${built.table.rows.length.toLocaleString("en")}, levels ${levels})
  entitlement table (exact)             ${fmt(computeS)} s
  Merkle tree + persist (overlapped)    ${fmt(writeS)} s
  round table total                     ${fmt(totalS)} s
  PostgreSQL COPY of the same rows      ${fmt(copyS)} s   (same run, same table shape)
  ratio                                 ${fmt(totalS / copyS)}×   goal ≤ 2×   ${totalS / copyS <= 2 ? "met" : "MISSED"}
  peak RSS                              ${fmt(mem.peak, 0)} MB (${fmt(mem.peak - memBefore, 0)} MB above the loaded population)`);
} finally {
  await db.drop();
}

if (!values["skip-payout"]) {
  console.log("\n  20,000-recipient payout on the devnet (bench/lib/payouts.mjs)");
  const result = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, "bench/lib/payouts.mjs"), "--recipients", values.recipients],
    { stdio: "inherit" },
  );
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}
