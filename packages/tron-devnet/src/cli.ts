#!/usr/bin/env node
// `npm run devnet -- --port 9090 --accounts 100000 --seed 7 --block-time 500`
// Starts the development chain in the foreground, prints its URL and the development accounts
// (like Anvil), and stops on Ctrl-C or SIGTERM.
import { parseArgs } from "node:util";
import { createLogger } from "@btt/shared/logger";
import { startDevnet } from "./index.js";

const USAGE = `usage: tron-devnet [options]
  --port <n>                 HTTP port (default 9090, or TRON_DEVNET_PORT; 0 = any free port)
  --host <addr>              listen address (default 127.0.0.1)
  --accounts <n>             genesis population, development accounts included (default 1000)
  --seed <n>                 population seed (default 7)
  --height <n>               genesis block height (default 0)
  --genesis-file <path>      load the genesis from a JSON file instead of generating it
  --block-time <ms>          block interval (default 3000; 0 = only on POST /devnet/mine)
  --solidification-lag <n>   blocks between head and solidified head (default 19)
  --log-level <level>        pino level (default info)
  --help`;

function integer(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    process.stderr.write(`--${name} must be a whole number ≥ ${min}, got "${value}"\n${USAGE}\n`);
    process.exit(64);
  }
  return parsed;
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      accounts: { type: "string" },
      seed: { type: "string" },
      height: { type: "string" },
      "genesis-file": { type: "string" },
      "block-time": { type: "string" },
      "solidification-lag": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(64);
}
const args = parsed.values as Record<string, string | boolean | undefined>;
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const str = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined);

const logger = createLogger({ service: "tron-devnet", level: str("log-level") ?? "info" });
const genesisFile = str("genesis-file");
const devnet = await startDevnet({
  port: integer("port", str("port") ?? process.env.TRON_DEVNET_PORT, 9090),
  host: str("host") ?? "127.0.0.1",
  genesis: genesisFile
    ? { file: genesisFile }
    : {
        seed: integer("seed", str("seed"), 7),
        accounts: integer("accounts", str("accounts"), 1000, 11),
        height: integer("height", str("height"), 0),
      },
  blockTimeMs: integer("block-time", str("block-time"), 3000),
  solidificationLag: integer("solidification-lag", str("solidification-lag"), 19),
  logger,
});

const response = await fetch(`${devnet.url}/devnet/accounts`);
const accounts = (await response.json()) as {
  address: string;
  privateKey: string;
  trx: string;
  btt: string;
}[];
const lines = accounts.map(
  (a, i) => `  (${i}) ${a.address}  ${a.privateKey}${i === 0 ? "  ← BTT distributor" : ""}`,
);
process.stdout.write(
  `TRON devnet listening on ${devnet.url} (head ${devnet.head()}, solidified ${devnet.solidHead()})\n` +
    `Development accounts (1,000,000 TRX each; address, private key):\n${lines.join("\n")}\n` +
    `TronWeb: new TronWeb({ fullHost: "${devnet.url}", privateKey })\n`,
);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping devnet");
  await devnet.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
