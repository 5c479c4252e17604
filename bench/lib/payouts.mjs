// bench/lib/payouts, part two of bench/airdrop: a 20,000-recipient TRC-10 payout through
// packages/payouts on the devnet (its own process, a block every 500 ms, solidified one later): confirmed payments per second from
// the first claim to the last confirmation on a solidified block, beside TronWeb's single-core
// signing rate for the same transactions measured in the same run (goal: ≥ 0.5×). Then checks on
// chain that every recipient was paid exactly once.
//
//   node bench/lib/payouts.mjs [--recipients 20000] [--signs 2000]
//   npm run bench -- airdrop   (runs it after the entitlement-table figures)
//
// PostgreSQL: DATABASE_URL, else the embedded server in .btt/bench-postgres.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { TronWeb } from "tronweb";
import { startPostgres } from "../../infra/stack/lib/backing.mjs";
import { REPO_ROOT, STATE_DIR, sleep } from "../../infra/stack/lib/tools.mjs";
import { reportFigures } from "./report.mjs";

const { values } = parseArgs({
  options: {
    recipients: { type: "string", default: "20000" },
    signs: { type: "string", default: "2000" },
    port: { type: "string", default: "19391" },
  },
});
const RECIPIENTS = Number(values.recipients);
const SIGNS = Number(values.signs);
const PORT = Number(values.port);
const BLOCK_MS = 500;

const payouts = await import(path.join(REPO_ROOT, "packages/payouts/dist/index.js"));
const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
const { createLogger } = await import(shared("logger/index.js"));
const { withTransaction } = await import(shared("db/index.js"));

async function startDevnet() {
  const cli = path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js");
  const args = ["--port", String(PORT), "--accounts", "100", "--height", "1000"];
  args.push("--block-time", String(BLOCK_MS), "--solidification-lag", "1", "--log-level", "warn");
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
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.json();
}

/** TronWeb's own signing rate on this core: build once, then trx.sign in a loop. */
async function tronWebSignsPerSecond(devnetUrl, privateKey) {
  const tw = new TronWeb({ fullHost: devnetUrl, privateKey });
  const blockHeader = {
    ref_block_bytes: "0001",
    ref_block_hash: "0011223344556677",
    expiration: Date.now() + 60_000,
    timestamp: Date.now(),
  };
  const txs = [];
  for (let i = 0; i < SIGNS; i++) {
    const to = TronWeb.address.fromHex(`41${randomBytes(20).toString("hex")}`);
    txs.push(
      await tw.transactionBuilder.sendToken(to, 1_000_000 + i, "1002000", tw.defaultAddress.base58, {
        blockHeader,
      }),
    );
  }
  const t0 = performance.now();
  for (const tx of txs) await tw.trx.sign(tx, privateKey);
  return SIGNS / ((performance.now() - t0) / 1000);
}

async function waitTx(url, reply) {
  if (!reply.result) throw new Error(`funding refused: ${JSON.stringify(reply)}`);
  for (;;) {
    const info = await post(`${url}/walletsolidity/gettransactionbyid`, { value: reply.txid });
    if (info.txID) return;
    await sleep(100);
  }
}

/** Every transfer of `owner` in the chain, by scanning blocks. */
async function transfersFrom(url, ownerHex) {
  const head = (await post(`${url}/wallet/getnowblock`, {})).block_header.raw_data.number;
  const out = [];
  for (let start = 1000; start <= head; start += 100) {
    const reply = await post(`${url}/wallet/getblockbylimitnext`, {
      startNum: start,
      endNum: Math.min(start + 100, head + 1),
    });
    for (const block of reply.block ?? []) {
      for (const tx of block.transactions ?? []) {
        const c = tx.raw_data.contract[0];
        if (c.type !== "TransferAssetContract" || c.parameter.value.owner_address !== ownerHex) continue;
        out.push({
          txId: tx.txID,
          to: c.parameter.value.to_address,
          amount: BigInt(c.parameter.value.amount),
        });
      }
    }
  }
  return out;
}

console.error(`bench/payouts: devnet (block every ${BLOCK_MS} ms) and PostgreSQL…`);
const devnet = await startDevnet();
const pg = await startPostgres({ dataDir: path.join(STATE_DIR, "bench-postgres"), port: 15440 });
process.env.DATABASE_URL = pg.url;
const { createTestDatabase } = await import(shared("testing/index.js"));
const db = await createTestDatabase();
try {
  const accounts = await (await fetch(`${devnet.url}/devnet/accounts`)).json();
  const genesis = new TronWeb({ fullHost: devnet.url, privateKey: accounts[0].privateKey });
  const distributor = accounts[1];

  const signsPerSecond = await tronWebSignsPerSecond(devnet.url, distributor.privateKey);

  const payments = Array.from({ length: RECIPIENTS }, (_, i) => ({
    id: randomUUID(),
    recipient: TronWeb.address.fromHex(`41${randomBytes(20).toString("hex")}`),
    amount: BigInt(1_000_000 + i),
  }));
  const total = payments.reduce((s, p) => s + p.amount, 0n);
  const fundBtt = await genesis.transactionBuilder.sendToken(distributor.address, Number(total), "1002000");
  await waitTx(devnet.url, await genesis.trx.sendRawTransaction(await genesis.trx.sign(fundBtt)));

  await db.pool.query(payouts.payoutTablesSql("bench"));
  const engine = payouts.createPayoutEngine({
    pool: db.pool,
    schema: "bench",
    fullHost: devnet.url,
    signer: payouts.privateKeySigner(distributor.privateKey),
    memoKind: "airdrop",
    concurrency: 32,
    ratePerSecond: 100_000,
    claimBatchSize: 500,
    expirationMs: 120_000,
    pollMs: 50,
    rebroadcastMs: 30_000,
    // recipients are new accounts: 1.1 TRX each on top of the bandwidth
    budget: { trxPerPaymentSun: 1_600_000n },
    logger: createLogger({ service: "bench-payouts", level: "warn" }),
  });
  let t0 = performance.now();
  await withTransaction(db.pool, (client) => engine.enqueue(client, "bench-round", "round", payments));
  const enqueueSeconds = (performance.now() - t0) / 1000;

  console.error(`bench/payouts: paying ${RECIPIENTS.toLocaleString("en")} recipients…`);
  t0 = performance.now();
  engine.start();
  for (;;) {
    const p = await engine.progress("bench-round");
    if (p.state === "completed") break;
    if (p.state !== "active") throw new Error(`batch ${p.state}: ${p.reason}`);
    await sleep(100);
  }
  const paySeconds = (performance.now() - t0) / 1000;
  await engine.stop();
  const stats = engine.stats();
  const confirmedPerSecond = RECIPIENTS / paySeconds;

  console.error("bench/payouts: checking the chain…");
  const transfers = await transfersFrom(devnet.url, TronWeb.address.toHex(distributor.address).toLowerCase());
  const byRecipient = new Map();
  for (const t of transfers) byRecipient.set(t.to, (byRecipient.get(t.to) ?? 0) + 1);
  const txIds = new Set(transfers.map((t) => t.txId));
  const paid = transfers.reduce((s, t) => s + t.amount, 0n);
  const exactlyOnce =
    transfers.length === RECIPIENTS &&
    txIds.size === RECIPIENTS &&
    paid === total &&
    payments.every((p) => byRecipient.get(TronWeb.address.toHex(p.recipient).toLowerCase()) === 1);

  const ratio = confirmedPerSecond / signsPerSecond;
  reportFigures("airdrop", [
    {
      figure: `confirmed payments/s, ${RECIPIENTS.toLocaleString("en")} recipients`,
      value: confirmedPerSecond,
      baseline: "TronWeb trx.sign, one core (signs/s)",
      baselineValue: signsPerSecond,
      ratio,
      goal: "≥ 0.5×",
      met: ratio >= 0.5 && exactlyOnce,
    },
  ]);
  console.log(
    `bench/payouts: ${RECIPIENTS.toLocaleString("en")} recipients in ${paySeconds.toFixed(1)} s ` +
      `(enqueue ${enqueueSeconds.toFixed(2)} s); signed ${stats.signed}, broadcasts ${stats.broadcasts}, ` +
      `rebroadcasts ${stats.rebroadcasts}, expired ${stats.expired}, scanned ${stats.scannedBlocks} blocks; ` +
      `on chain exactly once: ${exactlyOnce ? "yes" : "NO"}`,
  );
  console.log(["figure", "value", "baseline", "baseline value", "ratio", "goal"].join(" | "));
  console.log(
    [
      "confirmed payments/s (claim → solidified)",
      confirmedPerSecond.toFixed(0),
      "TronWeb trx.sign, one core (signs/s)",
      signsPerSecond.toFixed(0),
      `${ratio.toFixed(2)}×`,
      "≥ 0.5×",
    ].join(" | "),
  );
  console.log(
    JSON.stringify({
      bench: "payouts",
      recipients: RECIPIENTS,
      paySeconds,
      confirmedPerSecond,
      tronWebSignsPerSecond: signsPerSecond,
      ratio,
      enqueueSeconds,
      exactlyOnce,
      stats,
    }),
  );
  if (!exactlyOnce) process.exitCode = 1;
} finally {
  await db.drop().catch(() => {});
  await pg.stop();
  const exited = new Promise((resolve) => devnet.child.once("exit", resolve));
  devnet.child.kill("SIGTERM");
  await exited;
}
