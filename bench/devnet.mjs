// bench/devnet: how fast the TRON devnet accepts signed TRC-10 transfers, beside TronWeb's own
// signing rate on one core measured in the same run (goal: accept ≥ 3× the signing rate, so the
// devnet is never the bottleneck of a payout benchmark); and how long a genesis of 1,000,000
// accounts takes to start, with its peak memory (goals: < 20 s, < 1.5 GB).
//
//   node bench/devnet.mjs [--transfers 20000] [--genesis-accounts 1000000] [--concurrency 64]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { TronWeb, utils } from "tronweb";
import { REPO_ROOT, sleep } from "../infra/stack/lib/tools.mjs";

const { values } = parseArgs({
  options: {
    transfers: { type: "string", default: "20000" },
    "genesis-accounts": { type: "string", default: "1000000" },
    concurrency: { type: "string", default: "64" },
    port: { type: "string", default: "19190" },
  },
});
const TRANSFERS = Number(values.transfers);
const GENESIS_ACCOUNTS = Number(values["genesis-accounts"]);
const CONCURRENCY = Number(values.concurrency);
const PORT = Number(values.port);
const CLI = path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js");

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Starts the devnet CLI in its own process (its own core) and waits until it answers. */
async function startDevnetProcess(args, port) {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, "--port", String(port), ...args], {
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

async function benchAcceptance() {
  const devnet = await startDevnetProcess(["--accounts", "1000", "--block-time", "1000"], PORT);
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

    // Distinct transactions (one memo each), built locally; then the baseline: TronWeb signing on one core.
    const unsigned = [];
    for (let i = 0; i < TRANSFERS; i += 1) {
      unsigned.push(
        await tronWeb.transactionBuilder.addUpdateData(template, `bench:${i}`, "utf8", { txLocal: true }),
      );
    }
    const signStarted = performance.now();
    const signed = unsigned.map((tx) => utils.crypto.signTransaction(distributor.privateKey, tx));
    const signPerSecond = TRANSFERS / ((performance.now() - signStarted) / 1000);

    // The figure: broadcasts accepted per second, CONCURRENCY requests in flight (fetch keeps connections alive).
    let next = 0;
    let accepted = 0;
    const failures = new Map();
    const acceptStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < signed.length) {
          const tx = signed[next++];
          const reply = await (
            await fetch(`${devnet.url}/wallet/broadcasttransaction`, {
              method: "POST",
              body: JSON.stringify(tx),
            })
          ).json();
          if (reply.result === true) accepted += 1;
          else failures.set(reply.code, (failures.get(reply.code) ?? 0) + 1);
        }
      }),
    );
    const acceptPerSecond = accepted / ((performance.now() - acceptStarted) / 1000);
    return {
      signPerSecond,
      acceptPerSecond,
      accepted,
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
    "TronWeb signs/s (1 core)",
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
];
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
    ratio,
    genesisAccounts: GENESIS_ACCOUNTS,
    genesisStartSeconds: genesis.startSeconds,
    genesisPeakRssMb: genesis.peakRssMb,
  }),
);
