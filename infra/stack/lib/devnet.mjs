// The chain of the local stack: TRON_FULL_HOST when set (a java-tron node or TronGrid; nothing is
// started), else the TRON development chain (packages/tron-devnet) as a supervised child process.
import path from "node:path";
import { LOG_DIR, ok, REPO_ROOT, sleep, spawnLogged, stopChild } from "./tools.mjs";

export const DEVNET_PORT_DEFAULT = 9090;

export async function startChain({ port, accounts, seed, height, blockTimeMs, solidificationLag }) {
  if (process.env.TRON_FULL_HOST) {
    const solidity = process.env.TRON_SOLIDITY_HOST ?? process.env.TRON_FULL_HOST;
    ok(`TRON: using TRON_FULL_HOST (${process.env.TRON_FULL_HOST}, solidity ${solidity})`);
    return {
      fullHost: process.env.TRON_FULL_HOST,
      solidityHost: solidity,
      devnet: false,
      stop: async () => {},
    };
  }
  const args = [
    path.join(REPO_ROOT, "packages/tron-devnet/dist/cli.js"),
    "--port",
    String(port),
    "--accounts",
    String(accounts),
    "--seed",
    String(seed),
    "--height",
    String(height),
    "--block-time",
    String(blockTimeMs),
    "--solidification-lag",
    String(solidificationLag),
  ];
  const child = spawnLogged("tron-devnet", process.execPath, args, {
    env: process.env,
    logFile: path.join(LOG_DIR, "tron-devnet.log"),
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the TRON devnet exited (${child.exitCode}); see ${path.join(LOG_DIR, "tron-devnet.log")}`,
      );
    try {
      const response = await fetch(`${url}/wallet/getnowblock`, { signal: AbortSignal.timeout(2_000) });
      const block = await response.json();
      if (block.blockID) {
        ok(
          `TRON: devnet on ${url} (${accounts} accounts, head ${block.block_header.raw_data.number ?? 0}, ${blockTimeMs} ms blocks)`,
        );
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the TRON devnet did not answer on ${url} within 120 s`);
    await sleep(250);
  }
  return { fullHost: url, solidityHost: url, devnet: true, stop: () => stopChild(child) };
}

/** The devnet's development accounts (address, privateKey, balances). */
export async function devnetAccounts(url) {
  const response = await fetch(`${url}/devnet/accounts`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}/devnet/accounts answered ${response.status}`);
  return response.json();
}
