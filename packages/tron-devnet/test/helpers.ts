import { TronWeb, utils } from "tronweb";
import { generateGenesis } from "../src/genesis/index.js";
import { type Devnet, startDevnet } from "../src/index.js";

export interface DevAccount {
  address: string;
  privateKey: string;
  trx: string;
  btt: string;
}

export interface TestChain {
  devnet: Devnet;
  accounts: DevAccount[];
  lag: number;
  /** TronWeb with `fullHost` = the devnet and the given key (default: account 0) */
  tronWeb(privateKey?: string): TronWeb;
  /** mines enough blocks for everything so far to be solidified */
  solidify(): Promise<number>;
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  get(path: string): Promise<unknown>;
}

/** A small deterministic chain, blocks only on demand (tests decide when blocks happen). */
export async function startTestChain(lag = 3): Promise<TestChain> {
  const genesis = generateGenesis({ seed: 11, accounts: 40, height: 6_599_990 });
  const devnet = await startDevnet({ port: 0, genesis, blockTimeMs: 0, solidificationLag: lag });
  const accounts = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as DevAccount[];
  const chain: TestChain = {
    devnet,
    accounts,
    lag,
    tronWeb: (privateKey = accounts[0]?.privateKey as string) =>
      new TronWeb({ fullHost: devnet.url, privateKey }),
    solidify: () => devnet.mine(lag + 1),
    post: async (path, body) => {
      const res = await fetch(`${devnet.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    get: async (path) => (await fetch(`${devnet.url}${path}`)).json(),
  };
  return chain;
}

export function hexToUtf8(hex: unknown): string {
  return Buffer.from(String(hex), "hex").toString("utf8");
}

/** A fresh key pair that has never been on the chain. */
export function freshAccount(): { address: string; privateKey: string } {
  const a = utils.accounts.generateAccount();
  return { address: a.address.base58, privateKey: a.privateKey };
}
