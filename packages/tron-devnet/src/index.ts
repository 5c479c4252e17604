import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, type Logger } from "@btt/shared/logger";
import express from "express";
import { Chain } from "./chain/chain.js";
import { generateGenesis, loadGenesisFile } from "./genesis/index.js";
import type { Genesis } from "./genesis/types.js";
import { mountDevnetRoutes } from "./http/devnet-routes.js";
import { walletFastPath } from "./http/fast-path.js";
import { mountWalletRoutes, textBody, walletRoutes } from "./http/wallet-routes.js";
import { SignerPrefetch } from "./protocol/signer-prefetch.js";

/**
 * A local TRON node speaking java-tron's HTTP API for TronWeb 6.5 (the project's Anvil):
 * `/wallet/*`, `/walletsolidity/*`, `/healthcheck` and the devnet-only `/devnet/*` on one origin.
 */

export interface StartDevnetOptions {
  /** 0 = ephemeral; default 9090 */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  genesis?: Genesis | { seed?: number; accounts?: number; height?: number; file?: string };
  /** default 3000; 0 = blocks only on demand */
  blockTimeMs?: number;
  /** default 19 */
  solidificationLag?: number;
  logger?: Logger;
  /** Recover broadcast signers on a worker thread ahead of the chain (default true). */
  signatureWorker?: boolean;
}

export interface Devnet {
  url: string;
  port: number;
  head(): number;
  solidHead(): number;
  mine(blocks: number): Promise<number>;
  stop(): Promise<void>;
}

function isGenesis(g: unknown): g is Genesis {
  return typeof g === "object" && g !== null && "developmentAccounts" in g && "witness" in g;
}

function resolveGenesis(option: StartDevnetOptions["genesis"]): Genesis {
  if (isGenesis(option)) return option;
  if (option?.file) return loadGenesisFile(option.file);
  return generateGenesis({
    ...(option?.seed !== undefined ? { seed: option.seed } : {}),
    ...(option?.accounts !== undefined ? { accounts: option.accounts } : {}),
    ...(option?.height !== undefined ? { height: option.height } : {}),
  });
}

export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const logger = options.logger ?? createLogger({ service: "tron-devnet", level: "silent" });
  const blockTimeMs = options.blockTimeMs ?? 3000;
  if (!Number.isInteger(blockTimeMs) || blockTimeMs < 0) throw new RangeError("blockTimeMs must be ≥ 0");
  const genesis = resolveGenesis(options.genesis);
  const chain = new Chain({
    genesis,
    solidificationLag: options.solidificationLag ?? 19,
    blockStepMs: blockTimeMs > 0 ? blockTimeMs : 3000,
  });

  const produce = () => {
    const block = chain.produceBlock();
    if (block.txIds)
      logger.debug({ number: block.number, transactions: block.txIds.length }, "block produced");
  };
  const mineSync = (blocks: number): number => {
    for (let i = 0; i < blocks; i++) produce();
    return chain.head();
  };

  const app = express();
  app.disable("x-powered-by");
  app.use(textBody);
  app.get("/healthcheck", (_req, res) => {
    res.json({ status: "ok", head: chain.head() });
  });
  const routes = walletRoutes(chain);
  mountWalletRoutes(app, chain, routes);
  mountDevnetRoutes(app, chain, genesis, mineSync);
  const prefetch =
    (options.signatureWorker ?? true)
      ? new SignerPrefetch((error) =>
          logger.warn({ err: error }, "signature worker stopped; signers are recovered inline"),
        )
      : undefined;
  const fastPath = walletFastPath(chain, routes, prefetch);

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer((req, res) => {
      if (!fastPath(req, res)) app(req, res);
    });
    s.once("error", reject);
    s.listen(options.port ?? 9090, host, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let timer: NodeJS.Timeout | undefined;
  if (blockTimeMs > 0) {
    timer = setInterval(() => {
      try {
        produce();
      } catch (error) {
        logger.error({ err: error }, "block production failed");
      }
    }, blockTimeMs);
    timer.unref();
  }
  logger.info(
    { url, genesisHeight: genesis.height, accounts: chain.accounts.size, blockTimeMs },
    "tron devnet started",
  );

  return {
    url,
    port,
    head: () => chain.head(),
    solidHead: () => chain.solidHead(),
    mine: async (blocks: number) => mineSync(blocks),
    stop: async () => {
      if (timer) clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await prefetch?.close();
      logger.info({ url }, "tron devnet stopped");
    },
  };
}

export type { Genesis } from "./genesis/types.js";
