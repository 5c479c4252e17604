import { isInteger, isSafeNumber, parse, stringify } from "lossless-json";
import { AppError, errorMessage } from "../errors/index.js";
import type { Logger } from "../logger/index.js";

/**
 * A client for java-tron's HTTP API (TRON-API.md): the same calls against a java-tron node,
 * TronGrid or the devnet. Reads retry transient failures (connection refused, timeouts, HTTP
 * 429/5xx) with capped exponential backoff and then throw UNAVAILABLE; broadcasts are never
 * retried here (the payout engine decides what a lost reply means).
 *
 * JSON is parsed losslessly: java-tron prints int64 as JSON numbers, and amounts such as BTT's
 * total supply (9.9e17) exceed 2^53. Integers that a double holds exactly come back as `number`,
 * larger ones as `bigint`; read amounts with `int64()` from ./holding.js.
 */

export interface TronNodeClientOptions {
  fullHost: string;
  /** Where `/walletsolidity/*` lives (java-tron: another port; TronGrid and the devnet: the same host). */
  solidityHost?: string;
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
  logger?: Logger;
  /** Extra headers (e.g. TRON-PRO-API-KEY for TronGrid). */
  headers?: Record<string, string>;
}

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function parseNodeJson(text: string): Json {
  return parse(text, undefined, (value) => {
    if (isInteger(value) && !isSafeNumber(value)) return BigInt(value);
    return Number(value);
  }) as Json;
}

export function stringifyNodeJson(value: unknown): string {
  return stringify(value, undefined, undefined, [
    { test: (v: unknown) => typeof v === "bigint", stringify: (v: unknown) => (v as bigint).toString() },
  ]) as string;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

export class TronNodeClient {
  readonly fullHost: string;
  readonly solidityHost: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly logger: Logger | undefined;
  private readonly headers: Record<string, string>;

  constructor(options: TronNodeClientOptions) {
    this.fullHost = options.fullHost.replace(/\/+$/, "");
    this.solidityHost = (options.solidityHost ?? options.fullHost).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 6;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.logger = options.logger;
    this.headers = { "Content-Type": "application/json", ...options.headers };
  }

  /** One POST, no retry. Resolves with the parsed body; java-tron errors come back as `{"Error": …}`. */
  async postOnce(path: string, body: unknown): Promise<Json> {
    const host = path.startsWith("/walletsolidity/") ? this.solidityHost : this.fullHost;
    const response = await fetch(`${host}${path}`, {
      method: "POST",
      headers: this.headers,
      body: stringifyNodeJson(body ?? {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) {
      const error = new AppError("UNAVAILABLE", `${path} answered HTTP ${response.status}`, {
        retryable: TRANSIENT_STATUS.has(response.status),
        retryAfterSeconds: Number(response.headers.get("retry-after")) || undefined,
      });
      throw error;
    }
    try {
      return parseNodeJson(text);
    } catch {
      throw new AppError(
        "UNAVAILABLE",
        `${path} answered something that is not JSON: ${text.slice(0, 120)}`,
        { retryable: true },
      );
    }
  }

  /** A read: retried with backoff while the failure is transient. */
  async read(path: string, body: unknown = {}): Promise<Json> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.postOnce(path, body);
      } catch (error) {
        const transient =
          !(error instanceof AppError) ||
          error.retryable ||
          (error as { name?: string }).name === "TimeoutError";
        if (!transient || attempt >= this.retries) {
          throw new AppError("UNAVAILABLE", `TRON node: ${path} failed: ${errorMessage(error)}`, {
            cause: error,
            retryable: true,
          });
        }
        const delayMs = Math.min(10_000, this.retryBaseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        this.logger?.warn(
          { path, attempt: attempt + 1, delayMs: Math.round(delayMs), error: errorMessage(error) },
          "TRON node call failed; retrying",
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Head block (`solidified`: the solidity node's head, i.e. the solidified block). */
  nowBlock(options: { solidified?: boolean } = {}): Promise<Json> {
    return this.read(options.solidified ? "/walletsolidity/getnowblock" : "/wallet/getnowblock");
  }

  blockByNum(num: number, options: { solidified?: boolean } = {}): Promise<Json> {
    return this.read(options.solidified ? "/walletsolidity/getblockbynum" : "/wallet/getblockbynum", { num });
  }

  /** Blocks [start, endExclusive), at most 100 (java-tron's limit). */
  async blockRange(start: number, endExclusive: number): Promise<JsonObject[]> {
    if (endExclusive <= start || endExclusive - start > 100)
      throw new RangeError("a block range holds 1 to 100 blocks");
    const reply = (await this.read("/wallet/getblockbylimitnext", {
      startNum: start,
      endNum: endExclusive,
    })) as JsonObject;
    return ((reply.block as Json[] | undefined) ?? []) as JsonObject[];
  }

  account(address: string, options: { solidified?: boolean } = {}): Promise<Json> {
    return this.read(options.solidified ? "/walletsolidity/getaccount" : "/wallet/getaccount", {
      address,
      visible: address.startsWith("T"),
    });
  }

  accountBalance(address: string, block: { hash: string; number: number }): Promise<Json> {
    return this.read("/wallet/getaccountbalance", {
      account_identifier: { address },
      block_identifier: block,
      visible: address.startsWith("T"),
    });
  }

  transactionInfoByBlockNum(num: number): Promise<Json> {
    return this.read("/wallet/gettransactioninfobyblocknum", { num });
  }

  transactionById(txId: string, options: { solidified?: boolean } = {}): Promise<Json> {
    return this.read(
      options.solidified ? "/walletsolidity/gettransactionbyid" : "/wallet/gettransactionbyid",
      { value: txId },
    );
  }

  transactionInfoById(txId: string, options: { solidified?: boolean } = {}): Promise<Json> {
    return this.read(
      options.solidified ? "/walletsolidity/gettransactioninfobyid" : "/wallet/gettransactioninfobyid",
      {
        value: txId,
      },
    );
  }

  /** Broadcasts a signed transaction once. The reply is java-tron's, whatever it says. */
  broadcast(transaction: unknown): Promise<Json> {
    return this.postOnce("/wallet/broadcasttransaction", transaction);
  }
}
