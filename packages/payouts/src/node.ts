import { AppError } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import { type Json, type JsonObject, TronNodeClient } from "@btt/shared/tron";
import { KeepAliveClient } from "./http.js";
import { type ReferenceBlock, type SignedTransaction, transactionJson } from "./transaction.js";

/**
 * What the engine asks a java-tron node (or TronGrid): the solidified head and solidified blocks
 * (confirmation and expiry, rules 5 and 6), the head block (reference for new transactions), the
 * distributor's solidified account (budget guards), and broadcasts. Nothing under `/devnet`.
 */

export interface ChainBlock extends ReferenceBlock {
  parentId: string;
  transactions: JsonObject[];
}

export class ChainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChainDataError";
  }
}

const HASH = /^[0-9a-f]{64}$/;
const MAX_RANGE_BLOCKS = 100; // getblockbylimitnext's limit

function safeNumber(value: Json | undefined, what: string): number {
  const n = typeof value === "bigint" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n))
    throw new ChainDataError(`${what} is not an integer`);
  return n;
}

export function parseBlock(json: Json, expectedNumber?: number): ChainBlock {
  const block = json as JsonObject | null;
  const raw = ((block?.block_header as JsonObject | undefined)?.raw_data ?? undefined) as
    | JsonObject
    | undefined;
  const id = block?.blockID;
  if (typeof id !== "string" || !HASH.test(id) || !raw) {
    throw new ChainDataError(
      expectedNumber === undefined
        ? "the node answered a block without blockID/block_header"
        : `the node has no block ${expectedNumber}`,
    );
  }
  const number = safeNumber(raw.number ?? 0, "block number");
  if (expectedNumber !== undefined && number !== expectedNumber)
    throw new ChainDataError(`asked for block ${expectedNumber}, the node answered block ${number}`);
  return {
    number,
    id,
    parentId: String(raw.parentHash ?? ""),
    timestampMs: safeNumber(raw.timestamp ?? 0, "block timestamp"),
    transactions: (Array.isArray(block?.transactions) ? block.transactions : []) as JsonObject[],
  };
}

export interface BroadcastReply {
  /** the node has the transaction: accepted now, or already known (DUP_TRANSACTION_ERROR) */
  accepted: boolean;
  /** SUCCESS, DUP_TRANSACTION_ERROR, SERVER_BUSY, TRANSACTION_EXPIRATION_ERROR, …, NO_REPLY */
  code: string;
  message: string;
}

function hexText(value: Json | undefined): string {
  if (typeof value !== "string") return "";
  return /^[0-9a-fA-F]*$/.test(value) && value.length % 2 === 0
    ? Buffer.from(value, "hex").toString("utf8")
    : value;
}

export function classifyBroadcastReply(reply: Json): BroadcastReply {
  const body = (reply ?? {}) as JsonObject;
  if (body.result === true) return { accepted: true, code: "SUCCESS", message: "" };
  const code =
    typeof body.code === "string" ? body.code : typeof body.Error === "string" ? "NODE_ERROR" : "UNKNOWN";
  const message = hexText(body.message) || (typeof body.Error === "string" ? body.Error : "");
  return { accepted: code === "DUP_TRANSACTION_ERROR", code, message };
}

export interface PayoutNodeOptions {
  fullHost: string;
  solidityHost?: string;
  apiKey?: string;
  timeoutMs?: number;
  /** keep-alive sockets per host for broadcasts and block ranges */
  maxSockets?: number;
  logger?: Logger;
}

/**
 * Reads go through the shared TronNodeClient (retries, lossless int64); the two hot paths —
 * broadcasts and solidified block ranges — through a keep-alive node:http client, parsed with
 * JSON.parse (blocks: only ids, heights, times, txids and addresses are read from them).
 */
export class PayoutNode {
  readonly client: TronNodeClient;
  private readonly full: KeepAliveClient;
  private readonly solid: KeepAliveClient;

  constructor(options: PayoutNodeOptions) {
    const headers: Record<string, string> = options.apiKey ? { "TRON-PRO-API-KEY": options.apiKey } : {};
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.full = new KeepAliveClient(options.fullHost, headers, options.maxSockets ?? 16, timeoutMs);
    this.solid = new KeepAliveClient(options.solidityHost ?? options.fullHost, headers, 4, timeoutMs);
    this.client = new TronNodeClient({
      fullHost: options.fullHost,
      ...(options.solidityHost ? { solidityHost: options.solidityHost } : {}),
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: 3,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.apiKey ? { headers: { "TRON-PRO-API-KEY": options.apiKey } } : {}),
    });
  }

  /** The solidified head, header only (`getblock` with `detail: false`, as TronWeb asks). */
  async solidHead(): Promise<ChainBlock> {
    return parseBlock(await this.postJson(this.solid, "/walletsolidity/getblock", { detail: false }));
  }

  /** The head block, header only: the reference block of new transactions. */
  async head(): Promise<ChainBlock> {
    return parseBlock(await this.postJson(this.full, "/wallet/getblock", { detail: false }));
  }

  /** Solidified blocks [start, end], in order, from the solidity host. */
  async solidBlocks(start: number, end: number, concurrency = 4): Promise<ChainBlock[]> {
    const ranges: [number, number][] = [];
    for (let a = start; a <= end; a += MAX_RANGE_BLOCKS)
      ranges.push([a, Math.min(a + MAX_RANGE_BLOCKS, end + 1)]);
    const chunks: ChainBlock[][] = new Array(ranges.length);
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++;
        const [a, b] = ranges[i] as [number, number];
        const reply = await this.postJson(this.solid, "/walletsolidity/getblockbylimitnext", {
          startNum: a,
          endNum: b,
        });
        const list = Array.isArray(reply.block) ? reply.block : [];
        if (list.length !== b - a)
          throw new ChainDataError(
            `asked for solidified blocks ${a}..${b - 1}, the node answered ${list.length}`,
          );
        chunks[i] = list.map((json, j) => parseBlock(json, a + j));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
    return chunks.flat();
  }

  /** TRX (sun) and one TRC-10 balance of an account in the solidified state. */
  async solidBalances(address: string, tokenId: string): Promise<{ trx: bigint; token: bigint }> {
    const account = (await this.client.account(address, { solidified: true })) as JsonObject;
    const big = (v: Json | undefined) => (typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : 0n);
    const assets = Array.isArray(account.assetV2) ? (account.assetV2 as JsonObject[]) : [];
    const entry = assets.find((a) => a.key === tokenId);
    return { trx: big(account.balance), token: big(entry?.value) };
  }

  /** One broadcast, never retried here (rule 4: the reply decides nothing by itself). */
  async broadcast(transaction: SignedTransaction): Promise<BroadcastReply> {
    try {
      const { status, text } = await this.full.post(
        "/wallet/broadcasttransaction",
        transactionJson(transaction),
      );
      if (status !== 200) return { accepted: false, code: `HTTP_${status}`, message: text.slice(0, 200) };
      return classifyBroadcastReply(JSON.parse(text) as Json);
    } catch (error) {
      return {
        accepted: false,
        code: "NO_REPLY",
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private async postJson(client: KeepAliveClient, path: string, body: unknown): Promise<JsonObject> {
    const { status, text } = await client.post(path, JSON.stringify(body));
    if (status !== 200) throw new AppError("UNAVAILABLE", `${path} answered HTTP ${status}`);
    const json = JSON.parse(text) as JsonObject;
    if (typeof json.Error === "string") throw new ChainDataError(`${path}: ${json.Error}`);
    return json;
  }

  close(): void {
    this.full.close();
    this.solid.close();
  }
}
