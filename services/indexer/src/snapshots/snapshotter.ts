import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, uuidFrom, withTransaction } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { enqueueOutbox, outboxTableFor } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { TronNodeClient } from "@btt/shared/tron";
import { type ChainFollower, solidHeadNumber } from "../chain/follower.js";
import { blockAt, highestBlockAtOrBefore, readBaseState } from "../data/chain-store.js";
import { crossCheck } from "./cross-check.js";
import { type HoldingRow, materialiseSnapshot } from "./materialise.js";

/**
 * Snapshot requests and the worker that fulfils them. A snapshot is keyed by its height: asking
 * twice is the same snapshot (asking again after a failure runs it again). The worker takes the
 * lowest pending height the follower has ingested, writes its rows, hashes and sums them,
 * cross-checks a sample against the node, and completes it together with its
 * `snapshot.completed` outbox event — or fails it, naming the addresses that differ. A snapshot a
 * crash interrupted is `running` with partial rows; the worker deletes them and starts it again.
 */

export interface SnapshotterOptions {
  pool: Pool;
  node: TronNodeClient;
  logger: Logger;
  follower: ChainFollower;
  /** Random holders cross-checked per snapshot (plus `recentSize` most recently changed accounts). */
  sampleSize: number;
  recentSize: number;
  pollMs?: number;
  onProgress?: (event: { height: number; phase: string; ms: number }) => void;
}

export type SnapshotRequest = { height: number } | { at: Date };

export interface TimeRequestView {
  at: string;
  height: number | null;
  status: "pending";
}

const OUTBOX = outboxTableFor("indexer");

export class Snapshotter {
  private stopped = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;

  constructor(private readonly options: SnapshotterOptions) {}

  /** Registers a request; returns the height it names, or null while a time is not yet resolvable. */
  async request(req: SnapshotRequest): Promise<{ height: number | null; at?: Date }> {
    const { pool } = this.options;
    const base = await readBaseState(pool);
    if ("height" in req) {
      if (base && req.height < base.height) {
        throw new AppError(
          "VALIDATION_FAILED",
          `height ${req.height} is below the indexer's base state (block ${base.height}); it has no data there`,
        );
      }
      await pool.query(
        `INSERT INTO indexer.snapshots (height) VALUES ($1)
         ON CONFLICT (height) DO UPDATE SET status = 'pending', failure = NULL
           WHERE indexer.snapshots.status = 'failed'`,
        [req.height],
      );
      this.poke();
      return { height: req.height };
    }
    if (base) {
      const baseBlock = await blockAt(pool, base.height);
      if (baseBlock && req.at.getTime() < baseBlock.timestampMs) {
        throw new AppError(
          "VALIDATION_FAILED",
          `${req.at.toISOString()} is before the indexer's base state (block ${base.height}, ${new Date(baseBlock.timestampMs).toISOString()})`,
        );
      }
    }
    await pool.query(
      `INSERT INTO indexer.snapshot_time_requests (at) VALUES ($1) ON CONFLICT (at) DO NOTHING`,
      [req.at],
    );
    const resolved = await this.resolveTimeRequests();
    const height = resolved.get(req.at.getTime()) ?? null;
    this.poke();
    return { height, at: req.at };
  }

  /** Time requests become heights once a solidified block later than the time is ingested. */
  private async resolveTimeRequests(): Promise<Map<number, number>> {
    const { pool } = this.options;
    const out = new Map<number, number>();
    const { rows } = await pool.query<{ at: Date; height: bigint | null }>(
      "SELECT at, height FROM indexer.snapshot_time_requests",
    );
    const latest = await pool.query<{ max: bigint | null }>(
      "SELECT max(timestamp_ms) AS max FROM indexer.blocks",
    );
    const latestMs =
      latest.rows[0]?.max === null || latest.rows[0] === undefined ? -1 : Number(latest.rows[0].max);
    for (const row of rows) {
      if (row.height !== null) {
        out.set(row.at.getTime(), Number(row.height));
        continue;
      }
      // the block after T must exist, or a later block could still have a timestamp <= T
      if (latestMs <= row.at.getTime()) continue;
      const height = await highestBlockAtOrBefore(pool, row.at.getTime());
      if (height === null) continue;
      await withTransaction(pool, async (client) => {
        await client.query("UPDATE indexer.snapshot_time_requests SET height = $2 WHERE at = $1", [
          row.at,
          height,
        ]);
        await client.query(
          `INSERT INTO indexer.snapshots (height, requested_for) VALUES ($1, $2) ON CONFLICT (height) DO NOTHING`,
          [height, row.at],
        );
      });
      out.set(row.at.getTime(), height);
    }
    return out;
  }

  poke(): void {
    this.wakeUp?.();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.poke();
  }

  async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.resolveTimeRequests();
        const did = await this.runNext();
        failures = 0;
        if (!did) await this.idle(this.options.pollMs ?? 1000);
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.options.logger.warn({ err: error, retryInMs: delay }, "snapshot worker: retrying later");
        await this.idle(delay);
      }
    }
  }

  private async idle(ms: number): Promise<void> {
    await Promise.race([
      sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {}),
      new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      }),
    ]);
    this.wakeUp = null;
  }

  /** Runs the lowest pending snapshot the follower has reached; false when there is none. */
  async runNext(): Promise<boolean> {
    const { pool, follower } = this.options;
    const cursor = follower.status.cursor?.number ?? -1;
    const { rows } = await pool.query<{ height: bigint }>(
      `SELECT height FROM indexer.snapshots WHERE status IN ('pending', 'running') AND height <= $1
        ORDER BY height LIMIT 1`,
      [cursor],
    );
    const row = rows[0];
    if (!row) return false;
    await this.take(Number(row.height));
    return true;
  }

  /** Materialises, hashes, cross-checks and completes (or fails) the snapshot at `height`. */
  async take(height: number): Promise<void> {
    const { pool, node, logger, follower } = this.options;
    const started = Date.now();
    let phaseStart = started;
    const phase = (name: string) => {
      const now = Date.now();
      this.options.onProgress?.({ height, phase: name, ms: now - phaseStart });
      logger.info({ height, phase: name, ms: now - phaseStart }, "snapshot progress");
      phaseStart = now;
    };
    const block = await blockAt(pool, height);
    if (!block) throw new Error(`block ${height} is not ingested yet`);
    await pool.query(
      `UPDATE indexer.snapshots SET status = 'running', started_at = now(), attempts = attempts + 1,
              block_id = $2, block_time = $3, failure = NULL
        WHERE height = $1`,
      [height, block.id, new Date(block.timestampMs)],
    );

    // the rows read once from account_versions, hashed, summed and sampled on their way into
    // snapshot_holdings, and committed in one transaction (materialise.ts)
    const digest = await materialiseSnapshot(pool, height, this.options.sampleSize);
    phase("rows written and hashed");

    // the sample: random holders, plus the accounts that changed most recently up to H
    const base = await readBaseState(pool);
    const recent = await pool.query<{ address: string }>(
      `SELECT address FROM indexer.account_versions WHERE height > $1 AND height <= $2
        GROUP BY address ORDER BY max(height) DESC, address LIMIT $3`,
      [base?.height ?? -1, height, this.options.recentSize],
    );
    const expected = new Map<string, HoldingRow | null>();
    for (const row of digest.sample) expected.set(row.address, row);
    const missing = recent.rows.map((r) => r.address).filter((a) => !expected.has(a));
    if (missing.length > 0) {
      const found = await pool.query<{
        address: string;
        liquid: bigint;
        frozen_v1: bigint;
        frozen_v2: bigint;
        unfreezing: bigint;
        total: bigint;
      }>(
        `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
          WHERE height = $1 AND address = ANY($2::text[])`,
        [height, missing],
      );
      for (const a of missing) expected.set(a, null);
      for (const r of found.rows) {
        expected.set(r.address, {
          address: r.address,
          liquid: r.liquid,
          frozenV1: r.frozen_v1,
          frozenV2: r.frozen_v2,
          unfreezing: r.unfreezing,
          total: r.total,
        });
      }
    }

    const report = await crossCheck({
      node,
      height,
      blockId: block.id,
      expected,
      changedSinceHeight: async (addresses) => {
        // the node answered from a solidified state somewhere up to its head now: ingest that far
        const head = await solidHeadNumber(node);
        await follower.waitForHeight(head, 120_000);
        const changed = await pool.query<{ address: string }>(
          `SELECT DISTINCT address FROM indexer.account_versions WHERE height > $1 AND address = ANY($2::text[])`,
          [height, addresses],
        );
        return new Set(changed.rows.map((r) => r.address));
      },
    });
    phase("cross-checked");

    const crossCheckJson = {
      balancesChecked: report.checkedBalances,
      accountsChecked: report.checkedAccounts,
      mismatches: report.mismatches.length,
    };
    if (!report.ok) {
      const named = [...new Set(report.mismatches.map((m) => m.address))];
      const message =
        report.nodeProblem ??
        `${named.length} of ${expected.size} cross-checked accounts differ from the node at block ${height}: ${named
          .slice(0, 10)
          .join(", ")}${named.length > 10 ? ", …" : ""}`;
      await withTransaction(pool, async (c) => {
        await c.query("DELETE FROM indexer.snapshot_holdings WHERE height = $1", [height]);
        await c.query(
          `UPDATE indexer.snapshots SET status = 'failed', completed_at = now(), cross_check = $2, failure = $3
            WHERE height = $1`,
          [
            height,
            crossCheckJson,
            {
              code: report.nodeProblem ? "NODE_WITHOUT_HISTORY" : "CROSS_CHECK_MISMATCH",
              message,
              addresses: named,
              mismatches: report.mismatches.slice(0, 1000),
            },
          ],
        );
      });
      logger.error({ height, failure: message }, "snapshot failed its cross-check; nothing was published");
      return;
    }

    const t = digest.totals;
    await withTransaction(pool, async (c) => {
      await c.query(
        `UPDATE indexer.snapshots SET status = 'completed', completed_at = now(), holders = $2, liquid = $3,
                frozen_v1 = $4, frozen_v2 = $5, unfreezing = $6, total = $7, content_hash = $8, cross_check = $9
          WHERE height = $1`,
        [
          height,
          digest.holders,
          t.liquid,
          t.frozenV1,
          t.frozenV2,
          t.unfreezing,
          t.total,
          digest.contentHash,
          crossCheckJson,
        ],
      );
      await enqueueOutbox(c, OUTBOX, [
        {
          topic: "indexer.snapshots",
          event: "snapshot.completed@1",
          id: uuidFrom(`snapshot.completed:${height}:${digest.contentHash}`),
          key: String(height),
          payload: {
            height,
            blockId: block.id,
            blockTime: new Date(block.timestampMs).toISOString(),
            holders: digest.holders,
            total: t.total.toString(),
            totals: {
              liquid: t.liquid.toString(),
              frozen: (t.frozenV1 + t.frozenV2).toString(),
              unfreezing: t.unfreezing.toString(),
            },
            contentHash: digest.contentHash,
          },
        },
      ]);
    });
    phase("completed");
    logger.info(
      { height, holders: digest.holders, total: t.total.toString(), ms: Date.now() - started },
      "snapshot completed",
    );
  }
}
