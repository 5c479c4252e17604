import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, withTransaction } from "@btt/shared/db";
import { errorMessage } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import type { Base58Address, JsonObject, TronNodeClient } from "@btt/shared/tron";
import {
  type Batch,
  type Cursor,
  commitBatch,
  type DepositRow,
  latestBalances,
  readCursor,
  type StoredBlock,
  type VersionRow,
  writeBase,
} from "../data/chain-store.js";
import {
  type Balances,
  MalformedChainDataError,
  type TransactionEffects,
  transactionEffects,
  UnmodelledContractError,
  ZERO_BALANCES,
} from "../domain/effects.js";
import { openBaseState } from "./base-state.js";
import { type ChainBlock, infosById, parseBlock } from "./blocks.js";

/**
 * The chain follower: ingests solidified blocks in order from the persisted cursor, one batch
 * per database transaction (chain-store.ts). It only ever reads blocks at or below the node's
 * solidified head, checks that each block's parent is the block it ingested before, and never
 * moves backwards: a node that is behind is waited for, a node whose chain differs from what was
 * ingested stops the follower with the two block ids. Node failures (down, slow, SERVER_BUSY,
 * 429) are retried with capped backoff; nothing here crashes the process.
 */

export interface FollowerOptions {
  pool: Pool;
  node: TronNodeClient;
  logger: Logger;
  /** TRC-10 id reported on chain.deposits (BTT). */
  tokenId: string;
  /** The address whose incoming token transfers are deposits (the ledger's custody), or null. */
  watchedAddress: Base58Address | null;
  /** INDEXER_BASE_STATE: path or URL of a base-state file; absent = the genesis block's allocation. */
  baseState?: string;
  /** Blocks per database transaction. */
  batchBlocks?: number;
  /** Concurrent `gettransactioninfobyblocknum` calls. */
  infoConcurrency?: number;
  /** Wait between polls once caught up. */
  pollMs?: number;
  onBatch?: (info: { from: number; to: number; blocks: number; transactions: number }) => void;
}

export interface FollowerStatus {
  cursor: Cursor | null;
  solidHead: number | null;
  lagBlocks: number | null;
  state: "starting" | "catching-up" | "following" | "waiting-for-node" | "halted";
  lastError: string | null;
  lastErrorAt: string | null;
  blocksIngested: number;
  transactionsIngested: number;
}

/** Stops the follower until an operator acts (the data or the node, not the network, is wrong). */
export class FollowerHaltedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FollowerHaltedError";
  }
}

const MAX_RANGE = 100; // getblockbylimitnext's limit

export class ChainFollower {
  readonly status: FollowerStatus = {
    cursor: null,
    solidHead: null,
    lagBlocks: null,
    state: "starting",
    lastError: null,
    lastErrorAt: null,
    blocksIngested: 0,
    transactionsIngested: 0,
  };
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly batchBlocks: number;
  private readonly infoConcurrency: number;
  private readonly pollMs: number;
  private readonly waiters = new Set<{ height: number; resolve: () => void }>();

  constructor(private readonly options: FollowerOptions) {
    this.batchBlocks = options.batchBlocks ?? 500;
    this.infoConcurrency = options.infoConcurrency ?? 8;
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Runs until stop(): base state, then batches, then follows the solidified head. */
  async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.status.cursor) await this.ensureBase();
        const ingested = await this.step();
        failures = 0;
        if (ingested === 0) await this.pause(this.pollMs);
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        const halted = error instanceof FollowerHaltedError || error instanceof UnmodelledContractError;
        this.status.state = halted ? "halted" : "waiting-for-node";
        this.status.lastError = errorMessage(error);
        this.status.lastErrorAt = new Date().toISOString();
        const delay = halted ? 30_000 : Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.options.logger[halted ? "error" : "warn"](
          { err: error, retryInMs: delay, cursor: this.status.cursor?.number },
          halted ? "chain follower halted; retrying later" : "chain follower: node call failed; backing off",
        );
        await this.pause(delay);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {});
  }

  /** Resolves once the cursor is at or above `height` (rejects after `timeoutMs`). */
  waitForHeight(height: number, timeoutMs: number): Promise<void> {
    if ((this.status.cursor?.number ?? -1) >= height) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        height,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`the follower did not reach block ${height} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private wake(): void {
    const at = this.status.cursor?.number ?? -1;
    for (const w of this.waiters) {
      if (w.height <= at) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Loads the base state once (one transaction), unless a cursor already exists. */
  async ensureBase(): Promise<void> {
    const { pool, node, logger } = this.options;
    const existing = await readCursor(pool);
    if (existing) {
      this.status.cursor = existing;
      return;
    }
    const source = this.options.baseState;
    if (source) {
      const reader = await openBaseState(source);
      try {
        const block = parseBlock(
          await node.blockByNum(reader.header.height, { solidified: true }),
          reader.header.height,
        );
        if (block.id !== reader.header.blockId) {
          throw new FollowerHaltedError(
            `the base state ${source} is for block ${reader.header.height} ${reader.header.blockId}, ` +
              `but the node's solidified block ${block.number} is ${block.id}: another chain`,
          );
        }
        const started = Date.now();
        const count = await withTransaction(pool, (client) =>
          writeBase(client, { ...block, height: block.number, blockId: block.id, source }, reader.accounts),
        );
        logger.info(
          { source, height: block.number, accounts: count, ms: Date.now() - started },
          "base state loaded",
        );
      } finally {
        reader.close();
      }
    } else {
      // No file: java-tron's genesis block carries the allocation as TransferContracts.
      const genesis = parseBlock(await node.blockByNum(0, { solidified: true }), 0);
      const state = new Map<string, Balances>();
      for (const tx of genesis.transactions) {
        const effects = transactionEffects(tx, undefined, {
          tokenId: this.options.tokenId,
          watchedAddress: null,
          genesis: true,
        });
        for (const d of effects.deltas) {
          const b = state.get(d.address) ?? { ...ZERO_BALANCES };
          b[d.component] += d.amount;
          state.set(d.address, b);
        }
      }
      const rows = [...state].map(([address, b]): VersionRow => ({ address, height: 0, ...b }));
      await withTransaction(pool, (client) =>
        writeBase(client, { ...genesis, height: 0, blockId: genesis.id, source: "genesis block" }, rows),
      );
      logger.info({ accounts: rows.length }, "base state: the genesis block's allocation");
    }
    this.status.cursor = await readCursor(pool);
  }

  /** Ingests up to one batch; returns the number of blocks ingested (0 = caught up). */
  async step(): Promise<number> {
    const { pool, node } = this.options;
    const cursor = await readCursor(pool);
    if (!cursor) throw new Error("no cursor: the base state is not loaded");
    this.status.cursor = cursor;
    const solid = parseBlock(await node.nowBlock({ solidified: true }));
    this.status.solidHead = solid.number;
    this.status.lagBlocks = Math.max(0, solid.number - cursor.number);
    if (solid.number < cursor.number) {
      this.status.state = "waiting-for-node";
      this.status.lastError = `the node's solidified head ${solid.number} is below our cursor ${cursor.number}; waiting for it to catch up`;
      this.status.lastErrorAt = new Date().toISOString();
      return 0;
    }
    if (solid.number === cursor.number) {
      if (solid.id !== cursor.id) {
        throw new FollowerHaltedError(
          `block ${cursor.number} was ingested as ${cursor.id}, but the node's solidified block is ${solid.id}`,
        );
      }
      this.status.state = "following";
      return 0;
    }
    const end = Math.min(cursor.number + this.batchBlocks, solid.number);
    this.status.state = end < solid.number ? "catching-up" : "following";
    const blocks = await this.fetchBlocks(cursor, end);
    const infos = await this.fetchInfos(blocks);
    const batch = await this.apply(cursor, blocks, infos);
    await withTransaction(pool, (client) => commitBatch(client, batch));
    const last = blocks[blocks.length - 1] as ChainBlock;
    this.status.cursor = { number: last.number, id: last.id };
    this.status.lagBlocks = Math.max(0, solid.number - last.number);
    this.status.blocksIngested += blocks.length;
    const txs = blocks.reduce((n, b) => n + b.transactions.length, 0);
    this.status.transactionsIngested += txs;
    this.status.lastError = null;
    this.options.onBatch?.({
      from: cursor.number + 1,
      to: last.number,
      blocks: blocks.length,
      transactions: txs,
    });
    this.wake();
    return blocks.length;
  }

  /** Blocks (cursor, end], in order, each linked to the one before. */
  private async fetchBlocks(cursor: Cursor, end: number): Promise<ChainBlock[]> {
    const ranges: [number, number][] = [];
    for (let start = cursor.number + 1; start <= end; start += MAX_RANGE) {
      ranges.push([start, Math.min(start + MAX_RANGE, end + 1)]);
    }
    const chunks = await mapLimit(ranges, 4, ([a, b]) => this.options.node.blockRange(a, b));
    const blocks: ChainBlock[] = [];
    let previous = cursor;
    for (const [i, chunk] of chunks.entries()) {
      const [a, b] = ranges[i] as [number, number];
      if (chunk.length !== b - a) {
        throw new MalformedChainDataError(
          `asked for blocks ${a}..${b - 1}, the node answered ${chunk.length}`,
        );
      }
      for (const [j, json] of chunk.entries()) {
        const block = parseBlock(json, a + j);
        if (block.parentId !== previous.id) {
          throw new FollowerHaltedError(
            `block ${block.number}'s parent is ${block.parentId}, but block ${previous.number} was ingested as ` +
              `${previous.id}: the node's solidified chain differs from the one indexed; refusing to go backwards`,
          );
        }
        blocks.push(block);
        previous = { number: block.number, id: block.id };
      }
    }
    return blocks;
  }

  private async fetchInfos(blocks: ChainBlock[]): Promise<Map<number, Map<string, JsonObject>>> {
    const withTxs = blocks.filter((b) => b.transactions.length > 0);
    const lists = await mapLimit(withTxs, this.infoConcurrency, (b) =>
      this.options.node.transactionInfoByBlockNum(b.number),
    );
    const out = new Map<number, Map<string, JsonObject>>();
    withTxs.forEach((b, i) => {
      out.set(b.number, infosById(lists[i] ?? []));
    });
    return out;
  }

  /** Applies the batch's effects to the stored state; one version per (account, block) changed. */
  private async apply(
    from: Cursor,
    blocks: ChainBlock[],
    infos: Map<number, Map<string, JsonObject>>,
  ): Promise<Batch> {
    const options = { tokenId: this.options.tokenId, watchedAddress: this.options.watchedAddress };
    const effectsByBlock: TransactionEffects[][] = [];
    const touched = new Set<string>();
    for (const block of blocks) {
      const blockInfos = infos.get(block.number);
      const list: TransactionEffects[] = [];
      for (const tx of block.transactions) {
        const info = blockInfos?.get(String(tx.txID));
        if (!info) {
          throw new MalformedChainDataError(
            `the node has no transaction info for ${String(tx.txID)} in solidified block ${block.number}`,
          );
        }
        const effects = transactionEffects(tx, info, options);
        for (const d of effects.deltas) touched.add(d.address);
        list.push(effects);
      }
      effectsByBlock.push(list);
    }
    const state = await latestBalances(this.options.pool, [...touched]);
    const versions: VersionRow[] = [];
    const deposits: DepositRow[] = [];
    const stored: StoredBlock[] = [];
    blocks.forEach((block, i) => {
      const changed = new Set<string>();
      for (const effects of effectsByBlock[i] ?? []) {
        for (const d of effects.deltas) {
          let b = state.get(d.address);
          if (!b) {
            b = { ...ZERO_BALANCES };
            state.set(d.address, b);
          }
          b[d.component] += d.amount;
          if (b[d.component] < 0n) {
            throw new FollowerHaltedError(
              `replaying ${effects.contractType} ${effects.txId} in block ${block.number} makes ${d.address}'s ` +
                `${d.component} negative (${b[d.component]}): the base state or the replay is wrong`,
            );
          }
          changed.add(d.address);
        }
        if (effects.tokenTransfer) {
          deposits.push({
            ...effects.tokenTransfer,
            blockNumber: block.number,
            blockTime: new Date(block.timestampMs),
          });
        }
      }
      for (const address of changed) {
        const b = state.get(address) as Balances;
        versions.push({ address, height: block.number, ...b });
      }
      stored.push({
        number: block.number,
        id: block.id,
        parentId: block.parentId,
        timestampMs: block.timestampMs,
        txCount: block.transactions.length,
      });
    });
    return { from, blocks: stored, versions, deposits };
  }
}

/** Maps with at most `limit` promises in flight, preserving order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The node's solidified head number (for status and cross-checks). */
export async function solidHeadNumber(node: TronNodeClient): Promise<number> {
  return parseBlock(await node.nowBlock({ solidified: true })).number;
}
