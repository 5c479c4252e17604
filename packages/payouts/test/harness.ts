import { randomBytes, randomUUID } from "node:crypto";
import { createLogger, type Logger } from "@btt/shared/logger";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { type Devnet, startDevnet } from "@btt/tron-devnet";
import { TronWeb } from "tronweb";
import { expect } from "vitest";
import { encodeBase58Address } from "../src/address.js";
import { createPayoutEngine } from "../src/engine.js";
import type { PaymentInput } from "../src/enqueue.js";
import { parseMemo } from "../src/memo.js";
import type { PayoutEngine, PayoutEngineOptions } from "../src/options.js";
import { payoutTablesSql } from "../src/schema.js";
import { privateKeySigner } from "../src/signer.js";

export const BTT = "1002000";
export const silent: Logger = createLogger({
  service: "payouts-test",
  level: process.env.TEST_LOG_LEVEL ?? "silent",
});

export interface DevAccount {
  address: string;
  privateKey: string;
}

export interface TestChain {
  devnet: Devnet;
  url: string;
  accounts: DevAccount[];
  /** mines one block every `everyMs` until stopped (blocks are 3 s of chain time apart) */
  startMiner(everyMs?: number): void;
  stopMiner(): void;
  /** sends BTT (base units) and TRX (sun) from the genesis distributor, mined and solidified */
  fund(to: string, btt: bigint, trxSun: bigint): Promise<void>;
  faults(f: { dropBroadcastRate?: number; serverBusyRate?: number; latencyMs?: number }): Promise<void>;
  advanceTime(ms: number): Promise<void>;
  stop(): Promise<void>;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.json();
}

export async function startTestChain(lag = 1): Promise<TestChain> {
  const devnet = await startDevnet({
    port: 0,
    genesis: { seed: 11, accounts: 40, height: 1_000 },
    blockTimeMs: 0,
    solidificationLag: lag,
  });
  await devnet.mine(1); // TronWeb cannot reference the genesis block
  const accounts = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as DevAccount[];
  const genesisKey = (accounts[0] as DevAccount).privateKey;
  let miner: NodeJS.Timeout | undefined;
  const chain: TestChain = {
    devnet,
    url: devnet.url,
    accounts,
    startMiner(everyMs = 100) {
      chain.stopMiner();
      miner = setInterval(() => void devnet.mine(1), everyMs);
    },
    stopMiner() {
      if (miner) clearInterval(miner);
      miner = undefined;
    },
    async fund(to, btt, trxSun) {
      const tw = new TronWeb({ fullHost: devnet.url, privateKey: genesisKey });
      const txs = [];
      if (btt > 0n) txs.push(await tw.transactionBuilder.sendToken(to, Number(btt), BTT));
      if (trxSun > 0n) txs.push(await tw.transactionBuilder.sendTrx(to, Number(trxSun)));
      for (const tx of txs) {
        const reply = (await tw.trx.sendRawTransaction(await tw.trx.sign(tx))) as { result?: boolean };
        expect(reply.result).toBe(true);
      }
      await devnet.mine(lag + 1);
    },
    async faults(f) {
      await post(`${devnet.url}/devnet/faults`, f);
    },
    async advanceTime(ms) {
      await post(`${devnet.url}/devnet/time`, { advanceMs: ms });
    },
    async stop() {
      chain.stopMiner();
      await devnet.stop();
    },
  };
  return chain;
}

let sharedDb: TestDatabase | undefined;

/** One database per test file; each test takes its own schema (its own scan cursor). */
export async function testSchema(name: string): Promise<{ db: TestDatabase; schema: string }> {
  sharedDb ??= await createTestDatabase();
  await sharedDb.pool.query(payoutTablesSql(name));
  return { db: sharedDb, schema: name };
}

export async function dropTestDatabase(): Promise<void> {
  await sharedDb?.drop();
  sharedDb = undefined;
}

export function randomRecipient(): string {
  return encodeBase58Address(Buffer.concat([Buffer.from([0x41]), randomBytes(20)]));
}

export function makePayments(n: number, seed = 1): PaymentInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    recipient: randomRecipient(),
    amount: BigInt(1_000_000 + ((i * 7919 + seed * 104_729) % 5_000_000)),
  }));
}

export function engineFor(
  chain: TestChain,
  db: TestDatabase,
  schema: string,
  distributor: DevAccount,
  overrides: Partial<PayoutEngineOptions> = {},
): PayoutEngine {
  return createPayoutEngine({
    pool: db.pool,
    schema,
    fullHost: chain.url,
    signer: privateKeySigner(distributor.privateKey),
    memoKind: "airdrop",
    expirationMs: 600_000,
    pollMs: 20,
    rebroadcastMs: 2_000,
    referenceRefreshMs: 200,
    ratePerSecond: 5_000,
    concurrency: 8,
    claimBatchSize: 50,
    budget: { trxPerPaymentSun: 2_000_000n, checkIntervalMs: 200 },
    logger: silent,
    ...overrides,
  });
}

export interface ChainTransfer {
  txId: string;
  to: string;
  amount: bigint;
  paymentId: string | null;
  attempt: number | null;
  block: number;
}

interface BlockJson {
  block_header: { raw_data: { number: number } };
  transactions?: {
    txID: string;
    raw_data: { contract: { type: string; parameter: { value: Record<string, unknown> } }[]; data?: string };
  }[];
}

/** Every TransferAssetContract `owner` sent in the chain's blocks, read block by block. */
export async function transfersFrom(url: string, owner: string): Promise<ChainTransfer[]> {
  const ownerHex = TronWeb.address.toHex(owner).toLowerCase();
  const head = (
    (await (await fetch(`${url}/wallet/getnowblock`)).json()) as {
      block_header: { raw_data: { number: number } };
    }
  ).block_header.raw_data.number;
  const out: ChainTransfer[] = [];
  for (let start = 1_000; start <= head; start += 100) {
    const reply = (await post(`${url}/wallet/getblockbylimitnext`, {
      startNum: start,
      endNum: Math.min(start + 100, head + 1),
    })) as { block?: BlockJson[] };
    for (const block of reply.block ?? []) {
      for (const tx of block.transactions ?? []) {
        const c = tx.raw_data.contract[0];
        if (c?.type !== "TransferAssetContract") continue;
        if (String(c.parameter.value.owner_address).toLowerCase() !== ownerHex) continue;
        const memo = tx.raw_data.data ? parseMemo(tx.raw_data.data) : null;
        out.push({
          txId: tx.txID,
          to: TronWeb.address.fromHex(String(c.parameter.value.to_address)),
          amount: BigInt(String(c.parameter.value.amount)),
          paymentId: memo?.paymentId ?? null,
          attempt: memo?.attempt ?? null,
          block: block.block_header.raw_data.number,
        });
      }
    }
  }
  return out;
}

export async function tokenBalance(url: string, address: string): Promise<bigint> {
  const account = (await post(`${url}/walletsolidity/getaccount`, { address, visible: true })) as {
    assetV2?: { key: string; value: number }[];
  };
  return BigInt(account.assetV2?.find((a) => a.key === BTT)?.value ?? 0);
}

/**
 * Exactly once, checked on chain: every payment's recipient received exactly its amount in exactly
 * one transfer from the distributor, no txid twice, Σ paid = Σ amounts, and the balances agree.
 */
export async function expectPaidExactlyOnce(
  chain: TestChain,
  distributor: string,
  payments: PaymentInput[],
): Promise<ChainTransfer[]> {
  const transfers = (await transfersFrom(chain.url, distributor)).filter((t) => t.paymentId !== null);
  const txIds = new Set(transfers.map((t) => t.txId));
  expect(txIds.size).toBe(transfers.length);
  const byRecipient = new Map<string, ChainTransfer[]>();
  for (const t of transfers) byRecipient.set(t.to, [...(byRecipient.get(t.to) ?? []), t]);
  let expected = 0n;
  for (const p of payments) {
    const got = byRecipient.get(p.recipient) ?? [];
    expect(got.length, `transfers to ${p.recipient}`).toBe(1);
    expect(got[0]?.amount).toBe(p.amount);
    expect(got[0]?.paymentId).toBe(p.id);
    expected += p.amount;
  }
  const mine = transfers.filter((t) => payments.some((p) => p.id === t.paymentId));
  expect(mine.reduce((s, t) => s + t.amount, 0n)).toBe(expected);
  const sample = payments.slice(0, 60);
  for (const p of sample) expect(await tokenBalance(chain.url, p.recipient)).toBe(p.amount);
  return transfers;
}

export async function runUntil(
  engine: PayoutEngine,
  done: () => Promise<boolean>,
  what: string,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(engine.stats())}`);
    await engine.tick();
    await new Promise((r) => setTimeout(r, 20));
  }
}
