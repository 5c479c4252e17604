// bench/devnet: how fast the TRON devnet accepts signed TRC-10 transfers, beside TronWeb's own
// signing rate (trx.sign) on one core measured in the same run (goal: accept ≥ 3× the signing rate, so the
// devnet is never the bottleneck of a payout benchmark); and how long a genesis of 1,000,000
// accounts takes to start, with its peak memory (goals: < 20 s, < 1.5 GB).
//
//   node bench/devnet.mjs [--transfers 20000] [--genesis-accounts 1000000] [--concurrency 64] [--profile]
//
// --profile runs the accepting devnet under the V8 profiler and prints where its time went.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { TronWeb, utils } from "tronweb";
import { REPO_ROOT, sleep } from "../infra/stack/lib/tools.mjs";
import { cpuMicros, peakRssMb } from "./lib/proc.mjs";
import { summariseProfile } from "./lib/profile.mjs";
import { closedLoop, requestBytes } from "./lib/raw-http.mjs";
import { reportFigures } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    transfers: { type: "string", default: "20000" },
    "genesis-accounts": { type: "string", default: "1000000" },
    concurrency: { type: "string", default: "64" },
    port: { type: "string", default: "19190" },
    profile: { type: "boolean", default: false },
  },
});
const TRANSFERS = Number(values.transfers);
const GENESIS_ACCOUNTS = Number(values["genesis-accounts"]);
const CONCURRENCY = Number(values.concurrency);
const PORT = Number(values.port);
const CLI = path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js");

/** Starts the devnet CLI in its own process (its own core) and waits until it answers. */
async function startDevnetProcess(args, port, nodeArgs = []) {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, CLI, "--port", String(port), ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`devnet exited with ${child.exitCode}`);
    try {
      const block = await (await fetch(`${url}/wallet/getnowblock`)).json();
      if (block.blockID) break;
    } catch {}
    await sleep(50);
  }
  return { child, url, startSeconds: (performance.now() - started) / 1000 };
}

async function stopProcess(child) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const PROFILE_DIR = values.profile ? mkdtempSync(path.join(os.tmpdir(), "bench-devnet-")) : undefined;

async function benchAcceptance() {
  const devnet = await startDevnetProcess(
    ["--accounts", "1000", "--block-time", "1000"],
    PORT,
    PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  );
  try {
    // TronWeb cannot reference the genesis block (java-tron omits its number 0): start past it.
    await fetch(`${devnet.url}/devnet/mine`, { method: "POST", body: JSON.stringify({ blocks: 1 }) });
    const accounts = await (await fetch(`${devnet.url}/devnet/accounts`)).json();
    const distributor = accounts[0];
    const recipients = accounts.slice(1).map((a) => a.address);
    const tronWeb = new TronWeb({ fullHost: devnet.url, privateKey: distributor.privateKey });
    const template = await tronWeb.transactionBuilder.sendToken(
      recipients[0],
      1,
      "1002000",
      distributor.address,
    );
    // TronWeb expires a transaction 60 s after its reference block; building and signing 20,000
    // on a busy box can take longer than that, so give the batch ten minutes (the node accepts up
    // to 24 h). addUpdateData rebuilds raw_data (and the txID) from these fields.
    template.raw_data.expiration += 10 * 60_000;

    // Distinct transactions (one memo each), built locally.
    const unsigned = [];
    for (let i = 0; i < TRANSFERS; i += 1) {
      unsigned.push(
        await tronWeb.transactionBuilder.addUpdateData(template, `bench:${i}`, "utf8", { txLocal: true }),
      );
    }
    // The baseline: TronWeb's signing API, trx.sign (it checks the key owns the transaction and
    // that raw_data matches raw_data_hex, then signs) — what the payout benchmark's baseline
    // measures too (bench/lib/payouts.mjs), and PLATFORM.md's "TronWeb signs ≈1,500/s".
    const signStarted = performance.now();
    const signed = [];
    for (const tx of unsigned) signed.push(await tronWeb.trx.sign(tx, distributor.privateKey));
    const signPerSecond = TRANSFERS / ((performance.now() - signStarted) / 1000);
    // For reference: the bare signature step trx.sign ends with, on a sample of the same transactions.
    const sample = unsigned.slice(0, Math.min(TRANSFERS, 5000));
    const rawSignStarted = performance.now();
    for (const tx of sample) utils.crypto.signTransaction(distributor.privateKey, tx);
    const rawSignPerSecond = sample.length / ((performance.now() - rawSignStarted) / 1000);
    // The request bodies exactly as TronWeb's sendRawTransaction posts them, serialised up front.
    const requests = signed.map((tx) =>
      requestBytes(devnet.url, {
        method: "POST",
        path: "/wallet/broadcasttransaction",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(tx),
      }),
    );

    // The figure: broadcasts accepted per second, CONCURRENCY requests in flight on as many
    // keep-alive connections, opened now (a connection left idle while this process was busy
    // signing would already have been closed by the server's keep-alive timeout).
    let accepted = 0;
    const failures = new Map();
    const cpuBefore = cpuMicros(devnet.child.pid);
    const clientCpuBefore = process.cpuUsage();
    const seconds = await closedLoop(devnet.url, requests, CONCURRENCY, ({ body }) => {
      const reply = JSON.parse(body.toString("utf8"));
      if (reply.result === true) accepted += 1;
      else failures.set(reply.code, (failures.get(reply.code) ?? 0) + 1);
    });
    const acceptPerSecond = accepted / seconds;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const clientCpuMicrosPerTx = (clientCpu.user + clientCpu.system) / TRANSFERS;
    const cpuAfter = cpuMicros(devnet.child.pid);
    const devnetUserMicrosPerTx = (cpuAfter.user - cpuBefore.user) / TRANSFERS;
    const devnetSystemMicrosPerTx = (cpuAfter.system - cpuBefore.system) / TRANSFERS;
    const devnetCpuMicrosPerTx = devnetUserMicrosPerTx + devnetSystemMicrosPerTx;
    return {
      signPerSecond,
      rawSignPerSecond,
      acceptPerSecond,
      accepted,
      devnetCpuMicrosPerTx,
      devnetUserMicrosPerTx,
      devnetSystemMicrosPerTx,
      clientCpuMicrosPerTx,
      failures: Object.fromEntries(failures),
      peakRssMb: peakRssMb(devnet.child.pid),
    };
  } finally {
    await stopProcess(devnet.child);
  }
}

async function benchGenesis() {
  const devnet = await startDevnetProcess(
    ["--accounts", String(GENESIS_ACCOUNTS), "--block-time", "3000"],
    PORT + 1,
  );
  try {
    return { startSeconds: devnet.startSeconds, peakRssMb: peakRssMb(devnet.child.pid) };
  } finally {
    await stopProcess(devnet.child);
  }
}

const acceptance = await benchAcceptance();
const genesis = await benchGenesis();
const ratio = acceptance.acceptPerSecond / acceptance.signPerSecond;
const rows = [
  [
    "devnet accepted TRC-10 transfers/s",
    acceptance.acceptPerSecond.toFixed(0),
    "TronWeb trx.sign/s (1 core)",
    acceptance.signPerSecond.toFixed(0),
    `${ratio.toFixed(2)}×`,
    "≥ 3×",
  ],
  [
    `genesis start, ${GENESIS_ACCOUNTS.toLocaleString("en")} accounts (s)`,
    genesis.startSeconds.toFixed(1),
    "",
    "",
    "",
    "< 20 s",
  ],
  [`genesis peak RSS (MB)`, genesis.peakRssMb.toFixed(0), "", "", "", "< 1536 MB"],
  [
    "devnet CPU per accepted broadcast (µs)",
    `${acceptance.devnetCpuMicrosPerTx.toFixed(0)} (user ${acceptance.devnetUserMicrosPerTx.toFixed(0)}, kernel ${acceptance.devnetSystemMicrosPerTx.toFixed(0)})`,
    "= transfers/s on one core",
    (1e6 / acceptance.devnetCpuMicrosPerTx).toFixed(0),
    "",
    "",
  ],
  [
    "devnet accepted TRC-10 transfers/s",
    acceptance.acceptPerSecond.toFixed(0),
    "utils.crypto.signTransaction/s (1 core)",
    acceptance.rawSignPerSecond.toFixed(0),
    `${(acceptance.acceptPerSecond / acceptance.rawSignPerSecond).toFixed(2)}×`,
    "",
  ],
  ["load client CPU per broadcast (µs)", acceptance.clientCpuMicrosPerTx.toFixed(0), "", "", "", ""],
];
reportFigures("devnet", [
  {
    figure: "accepted TRC-10 transfers/s",
    value: acceptance.acceptPerSecond,
    baseline: "TronWeb trx.sign, one core (signs/s)",
    baselineValue: acceptance.signPerSecond,
    ratio,
    goal: "≥ 3×",
    met: ratio >= 3,
  },
  {
    figure: `genesis start, ${GENESIS_ACCOUNTS.toLocaleString("en")} accounts (s)`,
    value: genesis.startSeconds,
    goal: "< 20 s",
    met: genesis.startSeconds < 20,
  },
  {
    figure: "genesis peak RSS (MB)",
    value: genesis.peakRssMb,
    goal: "< 1536 MB",
    met: genesis.peakRssMb < 1536,
  },
]);
console.log(
  `bench/devnet: ${acceptance.accepted}/${TRANSFERS} transfers accepted${Object.keys(acceptance.failures).length ? ` (failures ${JSON.stringify(acceptance.failures)})` : ""}`,
);
console.log(["figure", "value", "baseline", "baseline value", "ratio", "goal"].join(" | "));
for (const row of rows) console.log(row.join(" | "));
console.log(
  JSON.stringify({
    bench: "devnet",
    acceptPerSecond: acceptance.acceptPerSecond,
    signPerSecond: acceptance.signPerSecond,
    rawSignPerSecond: acceptance.rawSignPerSecond,
    ratio,
    devnetCpuMicrosPerTx: acceptance.devnetCpuMicrosPerTx,
    genesisAccounts: GENESIS_ACCOUNTS,
    genesisStartSeconds: genesis.startSeconds,
    genesisPeakRssMb: genesis.peakRssMb,
  }),
);
if (PROFILE_DIR) {
  const file = readdirSync(PROFILE_DIR).find((f) => f.endsWith(".cpuprofile"));
  if (file) {
    const profile = path.join(PROFILE_DIR, file);
    console.log(`${summariseProfile(profile, "accepting devnet (whole life)")}\n  profile: ${profile}`);
  }
}
