import { createHash } from "node:crypto";
import { AppError } from "@btt/shared/errors";
import { isBase58Address } from "@btt/shared/tron";
import type { HoldingRow } from "../domain/entitlements.js";

/**
 * The indexer's internal API as the airdrop uses it: request a snapshot (by height or time), read
 * its manifest, and stream its rows. The CSV stream is hashed while it is read and must equal the
 * manifest's content hash, so a round is computed from exactly the rows the indexer published.
 */

export interface SnapshotManifest {
  height: number;
  blockId: string | null;
  blockTime: string | null;
  status: "pending" | "running" | "completed" | "failed";
  holders: number | null;
  total: string | null;
  contentHash: string | null;
  failure: unknown;
}

/** POST /snapshots answers `height: null` while a time request is not yet resolved to a block. */
export type SnapshotRequestResult = SnapshotManifest | { height: null; at: string; status: "pending" };

export interface IndexerClientOptions {
  baseUrl: string;
  timeoutMs?: number;
}

export class IndexerClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: IndexerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async requestSnapshot(target: { height: number } | { at: Date }): Promise<SnapshotRequestResult> {
    const body = "height" in target ? { height: target.height } : { at: target.at.toISOString() };
    return (await this.json("POST", "/snapshots", body)) as SnapshotRequestResult;
  }

  /** The follower's state (readiness probes it). */
  async chainStatus(): Promise<unknown> {
    return this.json("GET", "/chain/status");
  }

  async snapshot(height: number): Promise<SnapshotManifest> {
    return (await this.json("GET", `/snapshots/${height}`)) as SnapshotManifest;
  }

  /**
   * Every row of a completed snapshot, in the indexer's order, verified against `contentHash`
   * once the stream ends (a mismatch throws before the caller can use a partial table).
   */
  async holdings(height: number, contentHash: string): Promise<HoldingRow[]> {
    const response = await this.fetch("GET", `/snapshots/${height}/holdings?format=csv`, undefined, 600_000);
    if (!response.body) throw new AppError("UNAVAILABLE", "the indexer sent an empty holdings stream");
    const hash = createHash("sha256");
    const rows: HoldingRow[] = [];
    const decoder = new TextDecoder();
    let header = true;
    let rest = "";
    const take = (line: string) => {
      if (header) {
        header = false;
        return;
      }
      hash.update(`${line}\n`);
      const [address, liquid, frozenV1, frozenV2, unfreezing] = line.split(",");
      if (!isBase58Address(address) || unfreezing === undefined) {
        throw new AppError("UNAVAILABLE", `the indexer sent a malformed holdings line: ${line.slice(0, 80)}`);
      }
      rows.push({
        address,
        liquid: BigInt(liquid as string),
        frozen: BigInt(frozenV1 as string) + BigInt(frozenV2 as string),
        unfreezing: BigInt(unfreezing),
      });
    };
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest !== "") take(rest);
    const actual = hash.digest("hex");
    if (actual !== contentHash) {
      throw new AppError(
        "CONFLICT",
        `the holdings of snapshot ${height} hash to ${actual}, not the published ${contentHash}`,
      );
    }
    return rows;
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.fetch(method, path, body, this.timeoutMs);
    const text = await response.text();
    return JSON.parse(text);
  }

  private async fetch(method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AppError("UNAVAILABLE", `the indexer did not answer ${method} ${path}`, {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => "");
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {}
    if (response.status === 404) throw new AppError("NOT_FOUND", message);
    if (response.status >= 500) {
      throw new AppError("UNAVAILABLE", `the indexer answered ${response.status}: ${message}`, {
        retryAfterSeconds: 5,
      });
    }
    throw new AppError("CONFLICT", `the indexer refused ${method} ${path}: ${message}`);
  }
}
