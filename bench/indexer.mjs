// bench/indexer: on a devnet with 1,000,000 holders (its own process), how long the indexer takes
// for a complete snapshot (rows materialised, stored, hashed, cross-checked) against how long
// PostgreSQL's COPY takes to load the same number of rows, in the same run (goal: ≤ 3×); the
// catch-up ingest rate over 10,000 blocks that each carry a transaction; and the indexer's peak
// memory (goal: < 1.5 GB) with its growth per million holders.
//
//   node bench/indexer.mjs [--holders 1000000] [--blocks 10000]
//   npm run bench -- indexer
//
// PostgreSQL: DATABASE_URL, else the embedded server in .btt/bench-postgres.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { TronWeb, utils } from "tronweb";
import { startPostgres } from "../infra/stack/lib/backing.mjs";
import { REPO_ROOT, STATE_DIR, sleep } from "../infra/stack/lib/tools.mjs";
import { reportFigures } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    holders: { type: "string", default: "1000000" },
    blocks: { type: "string", default: "10000" },
    port: { type: "string", default: "19390" },
  },
});
const HOLDERS = Number(values.holders);
const BLOCKS = Number(values.blocks);
const PORT = Number(values.port);
const GENESIS_HEIGHT = 1000;

const dist = (p) => path.join(REPO_ROOT, "services/indexer/dist", p);
const { ChainFollower } = await import(dist("chain/follower.js"));
const { Snapshotter } = await import(dist("snapshots/snapshotter.js"));
const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
const { TronNodeClient } = await import(shared("tron/index.js"));
const { createLogger } = await import(shared("logger/index.js"));
const { copyRows } = await import(shared("db/index.js"));

function rssMb() {
  const status = readFileSync("/proc/self/status", "utf8");
  return {
    now: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
    peak: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
  };
}

async function startDevnet() {
  const cli = path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js");
  const args = ["--port", String(PORT), "--accounts", String(HOLDERS), "--height", String(GENESIS_HEIGHT)];
  args.push("--block-time", "0", "--solidification-lag", "1", "--log-level", "warn");
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${PORT}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`devnet exited with ${child.exitCode}`);
    try {
      if ((await (await fetch(`${url}/wallet/getnowblock`)).json()).blockID) break;
    } catch {}
    await sleep(100);
  }
  return { child, url };
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return res.json();
}

/** BLOCKS blocks, each with one signed TRX transfer (half of them creating an account). */
async function makeBlocks(devnet) {
  await post(`${devnet.url}/devnet/mine`, JSON.stringify({ blocks: 1 }));
  const accounts = await (await fetch(`${devnet.url}/devnet/accounts`)).json();
  const senders = accounts.slice(0, 4);
  const templates = [];
  for (const s of senders) {
    const tw = new TronWeb({ fullHost: devnet.url, privateKey: s.privateKey });
    const t = await tw.transactionBuilder.sendTrx(accounts[8].address, 1_000_000, s.address);
    // blocks are minted 3 s apart on demand: 10,000 of them pass 8.3 h of chain time
    t.raw_data.expiration += 23 * 3600_000;
    templates.push({ tw, t, key: s.privateKey });
  }
  const started = performance.now();
  for (let i = 0; i < BLOCKS; i += 1) {
    const { tw, t, key } = templates[i % templates.length];
    const tx = await tw.transactionBuilder.addUpdateData(t, `bench:${i}`, "utf8", { txLocal: true });
    if (i % 2 === 1) {
      // a new account each time: the recipient differs, so rebuild from the contract
      const fresh = utils.accounts.generateAccount().address.base58;
      const value = tx.raw_data.contract[0].parameter.value;
      const rebuilt = await tw.transactionBuilder.sendTrx(fresh, 1_000_000 + i, value.owner_address);
      rebuilt.raw_data.expiration = tx.raw_data.expiration;
      const signed = utils.crypto.signTransaction(
        key,
        await tw.transactionBuilder.addUpdateData(rebuilt, `bench:${i}`, "utf8", { txLocal: true }),
      );
      await sendAndMine(devnet, signed);
    } else {
      await sendAndMine(devnet, utils.crypto.signTransaction(key, tx));
    }
    if (i % 2000 === 1999) console.error(`  … ${i + 1}/${BLOCKS} blocks with transactions`);
  }
  await post(`${devnet.url}/devnet/mine`, JSON.stringify({ blocks: 2 }));
  return (performance.now() - started) / 1000;
}

async function sendAndMine(devnet, signed) {
  const reply = await post(`${devnet.url}/wallet/broadcasttransaction`, JSON.stringify(signed));
  if (!reply.result) throw new Error(`broadcast refused: ${JSON.stringify(reply)}`);
  await post(`${devnet.url}/devnet/mine`, JSON.stringify({ blocks: 1 }));
}

const logger = createLogger({ service: "bench-indexer", level: "warn" });
console.error(`bench/indexer: devnet with ${HOLDERS.toLocaleString("en")} holders…`);
const devnet = await startDevnet();
const pg = await startPostgres({ dataDir: path.join(STATE_DIR, "bench-postgres"), port: 15440 });
process.env.DATABASE_URL = pg.url;
const { createTestDatabase } = await import(shared("testing/index.js"));
const db = await createTestDatabase({
  migrationsDirs: [path.join(REPO_ROOT, "services/indexer/prisma/migrations")],
});
try {
  console.error(`bench/indexer: ${BLOCKS.toLocaleString("en")} blocks with a transaction each…`);
  const makeSeconds = await makeBlocks(devnet);
  const head = Number(
    (await (await fetch(`${devnet.url}/walletsolidity/getnowblock`)).json()).block_header.raw_data.number,
  );

  const rssStart = rssMb();
  const node = new TronNodeClient({ fullHost: devnet.url });
  const follower = new ChainFollower({
    pool: db.pool,
    node,
    logger,
    tokenId: "1002000",
    watchedAddress: null,
    baseState: `${devnet.url}/devnet/base-state`,
    batchBlocks: 500,
    infoConcurrency: 8,
  });
  let t0 = performance.now();
  await follower.ensureBase();
  const baseSeconds = (performance.now() - t0) / 1000;
  console.error(
    `bench/indexer: base state loaded in ${baseSeconds.toFixed(1)} s; catching up to block ${head}…`,
  );

  t0 = performance.now();
  let ingested = 0;
  for (;;) {
    const n = await follower.step();
    if (n === 0) break;
    ingested += n;
  }
  const ingestSeconds = (performance.now() - t0) / 1000;

  const snapshotter = new Snapshotter({
    pool: db.pool,
    node,
    logger,
    follower,
    sampleSize: 1000,
    recentSize: 1000,
  });
  const phases = [];
  snapshotter.options.onProgress = (p) => phases.push(`${p.phase} ${(p.ms / 1000).toFixed(2)} s`);
  await db.pool.query("INSERT INTO indexer.snapshots (height) VALUES ($1)", [head]);
  t0 = performance.now();
  await snapshotter.take(head);
  const snapshotSeconds = (performance.now() - t0) / 1000;
  const { rows } = await db.pool.query(
    "SELECT status, holders, failure FROM indexer.snapshots WHERE height = $1",
    [head],
  );
  if (rows[0].status !== "completed")
    throw new Error(`snapshot ${rows[0].status}: ${JSON.stringify(rows[0].failure)}`);
  const holders = Number(rows[0].holders);
  const rssAfter = rssMb();

  // the baseline: COPY the same number of rows of the same shape into a table of the same shape
  await db.pool.query("CREATE TABLE indexer.bench_copy (LIKE indexer.snapshot_holdings INCLUDING ALL)");
  const client = await db.pool.connect();
  t0 = performance.now();
  try {
    const base = BigInt(Date.now());
    await copyRows(
      client,
      "indexer.bench_copy",
      ["height", "address", "liquid", "frozen_v1", "frozen_v2", "unfreezing", "total"],
      (function* () {
        for (let i = 0; i < holders; i += 1) {
          const address = `T${i.toString().padStart(33, "0")}`;
          const liquid = base + BigInt(i);
          yield [head, address, liquid, 0n, 1000n, 0n, liquid + 1000n];
        }
      })(),
    );
  } finally {
    client.release();
  }
  const copySeconds = (performance.now() - t0) / 1000;

  const ratio = snapshotSeconds / copySeconds;
  const growthPerMillion = ((rssAfter.now - rssStart.now) / holders) * 1e6;
  const blocksPerSecond = ingested / ingestSeconds;
  reportFigures("indexer", [
    {
      figure: `complete snapshot, ${holders.toLocaleString("en")} holders (s)`,
      value: snapshotSeconds,
      baseline: "PostgreSQL COPY of the rows (s)",
      baselineValue: copySeconds,
      ratio,
      goal: "≤ 3×",
      met: ratio <= 3,
    },
    {
      figure: "catch-up ingest (blocks/s)",
      value: blocksPerSecond,
      baseline: "devnet producing them (blocks/s)",
      baselineValue: BLOCKS / makeSeconds,
      ratio: blocksPerSecond / (BLOCKS / makeSeconds),
    },
    { figure: "indexer peak RSS (MB)", value: rssAfter.peak, goal: "< 1536 MB", met: rssAfter.peak < 1536 },
  ]);
  console.log(
    `bench/indexer: ${holders.toLocaleString("en")} holders at block ${head}; snapshot phases: ${phases.join(", ")}`,
  );
  console.log(["figure", "value", "baseline", "baseline value", "ratio", "goal"].join(" | "));
  console.log(
    [
      "complete snapshot (s)",
      snapshotSeconds.toFixed(2),
      `PostgreSQL COPY of ${holders.toLocaleString("en")} rows (s)`,
      copySeconds.toFixed(2),
      `${ratio.toFixed(2)}×`,
      "≤ 3×",
    ].join(" | "),
  );
  console.log(
    [
      `catch-up ingest, ${ingested.toLocaleString("en")} blocks with transactions (blocks/s)`,
      blocksPerSecond.toFixed(0),
      "devnet producing them (blocks/s)",
      (BLOCKS / makeSeconds).toFixed(0),
      "",
      "",
    ].join(" | "),
  );
  console.log(["base state load (s)", baseSeconds.toFixed(1), "", "", "", ""].join(" | "));
  console.log(["indexer peak RSS (MB)", rssAfter.peak.toFixed(0), "", "", "", "< 1536 MB"].join(" | "));
  console.log(
    ["RSS growth per million holders (MB)", growthPerMillion.toFixed(0), "", "", "", ""].join(" | "),
  );
  console.log(
    JSON.stringify({
      bench: "indexer",
      holders,
      snapshotSeconds,
      copySeconds,
      ratio,
      ingestedBlocks: ingested,
      ingestSeconds,
      blocksPerSecond,
      baseSeconds,
      peakRssMb: rssAfter.peak,
      rssGrowthPerMillionMb: growthPerMillion,
    }),
  );
} finally {
  await db.drop().catch(() => {});
  await pg.stop();
  const exited = new Promise((resolve) => devnet.child.once("exit", resolve));
  devnet.child.kill("SIGTERM");
  await exited;
}
