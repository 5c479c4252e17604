import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations, createTestDatabase, type TestDatabase, waitFor } from "@btt/shared/testing";
import { parseNodeJson } from "@btt/shared/tron";
import { type Devnet, startDevnet } from "@btt/tron-devnet";

/**
 * A whole airdrop stack for tests, made of the real thing: the devnet, the indexer service and
 * the airdrop service as child processes (their built `dist/main.js`) on one fresh database, so
 * tests can SIGKILL and restart them and talk to them only through HTTP.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const AIRDROP_DIR = path.resolve(here, "..");
const INDEXER_DIR = path.resolve(here, "../../indexer");

export interface DevAccount {
  address: string;
  privateKey: string;
  trx: string;
  btt: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

export interface ServiceProcess {
  url: string;
  /** stderr and stdout so far (for failure messages) */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

async function startService(
  name: string,
  script: string,
  env: Record<string, string>,
  portVariable: string,
): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let log = "";
  const launch = async () => {
    log = "";
    child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env, [portVariable]: String(port), LOG_LEVEL: env.LOG_LEVEL ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => {
      log = (log + d).slice(-20_000);
    });
    child.stderr?.on("data", (d) => {
      log = (log + d).slice(-20_000);
    });
    await waitFor(
      async () => {
        if (child?.exitCode !== null) throw new Error(`${name} exited at start:\n${log}`);
        const ok = await fetch(`${url}/healthz`)
          .then((r) => r.ok)
          .catch(() => false);
        return ok ? true : undefined;
      },
      30_000,
      `${name} to listen`,
    );
  };
  await launch();
  return {
    url,
    output: () => log,
    async kill(signal = "SIGTERM") {
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill(signal);
      await exited;
    },
    restart: launch,
  };
}

export interface AirdropStack {
  devnet: Devnet;
  accounts: DevAccount[];
  distributor: DevAccount;
  db: TestDatabase;
  indexer: ServiceProcess;
  airdrop: ServiceProcess;
  /** A second airdrop process on the same database (two payout workers racing). */
  startSecondAirdrop(): Promise<ServiceProcess>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
  call(method: string, path: string, body?: unknown, actor?: string): Promise<{ status: number; body: any }>;
  faults(settings: {
    dropBroadcastRate?: number;
    serverBusyRate?: number;
    latencyMs?: number;
  }): Promise<void>;
  advanceTime(ms: number): Promise<void>;
  /** The TRC-10 balance of `address` from the node's solidified view. */
  tokenBalance(address: string, tokenId?: string): Promise<bigint>;
  stop(): Promise<void>;
}

export async function startAirdropStack(
  options: { accounts?: number; env?: Record<string, string> } = {},
): Promise<AirdropStack> {
  const devnet = await startDevnet({
    port: 0,
    genesis: { seed: 99, accounts: options.accounts ?? 200, height: 6_599_950 },
    blockTimeMs: 150,
    solidificationLag: 1,
  });
  const accounts = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as DevAccount[];
  const distributor = accounts[0] as DevAccount;
  const db = await createTestDatabase();
  await applyMigrations(db.url, path.join(INDEXER_DIR, "prisma/migrations"));
  await applyMigrations(db.url, path.join(AIRDROP_DIR, "prisma/migrations"));
  const common = { DATABASE_URL: db.url, TRON_FULL_HOST: devnet.url };
  const indexer = await startService(
    "indexer",
    path.join(INDEXER_DIR, "dist/main.js"),
    {
      ...common,
      INDEXER_BASE_STATE: `${devnet.url}/devnet/base-state`,
      INDEXER_POLL_MS: "100",
      INDEXER_CROSSCHECK_SAMPLE: "100",
      INDEXER_CROSSCHECK_RECENT: "100",
    },
    "INDEXER_PORT",
  );
  const airdropEnv = {
    ...common,
    INDEXER_URL: indexer.url,
    AIRDROP_DISTRIBUTOR_PRIVATE_KEY: distributor.privateKey,
    AIRDROP_POLL_MS: "100",
    AIRDROP_PAYOUT_POLL_MS: "100",
    AIRDROP_PAYOUT_REBROADCAST_MS: "2000",
    AIRDROP_PAYOUT_EXPIRATION_MS: "60000",
    AIRDROP_PAYOUT_CONCURRENCY: "16",
    ...options.env,
  };
  const airdropScript = path.join(AIRDROP_DIR, "dist/main.js");
  const airdrop = await startService("airdrop", airdropScript, airdropEnv, "AIRDROP_PORT");
  const extra: ServiceProcess[] = [];

  const stack: AirdropStack = {
    devnet,
    accounts,
    distributor,
    db,
    indexer,
    airdrop,
    async startSecondAirdrop() {
      const second = await startService("airdrop-2", airdropScript, airdropEnv, "AIRDROP_PORT");
      extra.push(second);
      return second;
    },
    async call(method, path, body, actor) {
      const response = await fetch(`${airdrop.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(actor ? { "x-actor-key-id": actor } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: response.status, body: parsed };
    },
    async faults(settings) {
      await fetch(`${devnet.url}/devnet/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(settings),
      });
    },
    async advanceTime(ms) {
      await fetch(`${devnet.url}/devnet/time`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advanceMs: ms }),
      });
    },
    async tokenBalance(address, tokenId = "1002000") {
      const response = await fetch(`${devnet.url}/walletsolidity/getaccount`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address, visible: true }),
      });
      const account = parseNodeJson(await response.text()) as {
        assetV2?: { key: string; value: bigint | number }[];
      };
      const entry = account.assetV2?.find((a) => a.key === tokenId);
      return BigInt(entry?.value ?? 0);
    },
    async stop() {
      for (const p of [...extra, airdrop, indexer]) await p.kill("SIGKILL").catch(() => {});
      await devnet.stop();
      await db.drop();
    },
  };
  return stack;
}
