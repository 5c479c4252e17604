import { pipeline } from "node:stream/promises";
import type { Pool } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { parseInput } from "@btt/shared/http";
import { TronAddress, type TronNodeClient } from "@btt/shared/tron";
import { type Express, Router } from "express";
import { to as copyTo } from "pg-copy-streams";
import { z } from "zod";
import { parseBlock } from "../chain/blocks.js";
import type { ChainFollower } from "../chain/follower.js";
import { readBaseState } from "../data/chain-store.js";
import { CSV_HEADER } from "../snapshots/materialise.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";

/**
 * The indexer's internal API (the gateway and the airdrop service call it; API.md's public
 * /v1/snapshots is the gateway's view of it). Amounts are decimal strings of sun.
 */

export interface RouteDeps {
  pool: Pool;
  node: TronNodeClient;
  follower: ChainFollower;
  snapshotter: Snapshotter;
}

const Height = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const SnapshotBody = z.union([
  z.object({ height: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }).strict(),
  z.object({ at: z.iso.datetime({ offset: true }) }).strict(),
]);

const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  format: z.enum(["json", "csv", "ndjson"]).optional(),
});

interface SnapshotRow {
  height: bigint;
  status: string;
  requested_at: Date;
  requested_for: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  attempts: number;
  block_id: string | null;
  block_time: Date | null;
  holders: bigint | null;
  liquid: bigint | null;
  frozen_v1: bigint | null;
  frozen_v2: bigint | null;
  unfreezing: bigint | null;
  total: bigint | null;
  content_hash: string | null;
  cross_check: unknown;
  failure: unknown;
}

const str = (v: bigint | null) => (v === null ? null : v.toString());

export function snapshotView(r: SnapshotRow) {
  const done = r.status === "completed";
  return {
    height: Number(r.height),
    blockId: r.block_id,
    blockTime: r.block_time?.toISOString() ?? null,
    status: r.status,
    holders: r.holders === null ? null : Number(r.holders),
    total: str(r.total),
    totals: done
      ? {
          liquid: str(r.liquid),
          frozen: ((r.frozen_v1 ?? 0n) + (r.frozen_v2 ?? 0n)).toString(),
          unfreezing: str(r.unfreezing),
          frozenV1: str(r.frozen_v1),
          frozenV2: str(r.frozen_v2),
        }
      : null,
    contentHash: r.content_hash,
    requestedAt: r.requested_at.toISOString(),
    requestedFor: r.requested_for?.toISOString() ?? null,
    startedAt: r.started_at?.toISOString() ?? null,
    completedAt: done ? (r.completed_at?.toISOString() ?? null) : null,
    attempts: r.attempts,
    crossCheck: r.cross_check ?? null,
    failure: r.failure ?? null,
  };
}

interface HoldingDbRow {
  address: string;
  liquid: bigint;
  frozen_v1: bigint;
  frozen_v2: bigint;
  unfreezing: bigint;
  total: bigint;
}

function holdingView(height: number, r: HoldingDbRow) {
  return {
    address: r.address,
    height,
    liquid: r.liquid.toString(),
    frozen: (r.frozen_v1 + r.frozen_v2).toString(),
    unfreezing: r.unfreezing.toString(),
    total: r.total.toString(),
    frozenV1: r.frozen_v1.toString(),
    frozenV2: r.frozen_v2.toString(),
  };
}

async function loadSnapshot(pool: Pool, height: number): Promise<SnapshotRow> {
  const { rows } = await pool.query<SnapshotRow>("SELECT * FROM indexer.snapshots WHERE height = $1", [
    height,
  ]);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `no snapshot at height ${height}`);
  return row;
}

async function completedSnapshot(pool: Pool, height: number): Promise<SnapshotRow> {
  const row = await loadSnapshot(pool, height);
  if (row.status !== "completed") {
    throw new AppError(
      "CONFLICT",
      `the snapshot at height ${height} is ${row.status}; its holdings are not available`,
    );
  }
  return row;
}

export function mountIndexerRoutes(app: Express, deps: RouteDeps): void {
  const { pool } = deps;
  const router = Router();

  router.post("/snapshots", async (req, res) => {
    const body = parseInput(SnapshotBody, req.body, "body");
    const result = await deps.snapshotter.request("height" in body ? body : { at: new Date(body.at) });
    if (result.height === null) {
      res.status(202).json({ at: result.at?.toISOString(), height: null, status: "pending" });
      return;
    }
    res.status(202).json(snapshotView(await loadSnapshot(pool, result.height)));
  });

  router.get("/snapshots", async (req, res) => {
    const page = parseInput(Page, req.query, "query");
    const after = page.cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(page.cursor);
    if (!Number.isSafeInteger(after))
      throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
    const { rows } = await pool.query<SnapshotRow>(
      "SELECT * FROM indexer.snapshots WHERE height < $1 ORDER BY height DESC LIMIT $2",
      [after, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map(snapshotView);
    const last = items[items.length - 1];
    res.json({ items, nextCursor: rows.length > page.limit && last ? String(last.height) : null });
  });

  router.get("/snapshots/:height", async (req, res) => {
    const height = parseInput(Height, req.params.height, "height");
    res.json(snapshotView(await loadSnapshot(pool, height)));
  });

  router.get("/snapshots/:height/holdings/:address", async (req, res) => {
    const height = parseInput(Height, req.params.height, "height");
    const address = parseInput(TronAddress, req.params.address, "address");
    await completedSnapshot(pool, height);
    const { rows } = await pool.query<HoldingDbRow>(
      `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
        WHERE height = $1 AND address = $2`,
      [height, address],
    );
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `${address} held no TRX at height ${height}`);
    res.json(holdingView(height, row));
  });

  router.get("/snapshots/:height/holdings", async (req, res) => {
    const height = parseInput(Height, req.params.height, "height");
    const page = parseInput(Page, req.query, "query");
    const snapshot = await completedSnapshot(pool, height);
    const format =
      page.format ?? (req.accepts(["application/json", "text/csv", "application/x-ndjson"]) || "json");
    if (format === "text/csv" || format === "csv") {
      // the whole snapshot, streamed by PostgreSQL; the body after the header is what contentHash hashes
      res.status(200).type("text/csv");
      res.setHeader("X-Content-Hash", snapshot.content_hash ?? "");
      res.write(`${CSV_HEADER}\n`);
      const client = await pool.connect();
      try {
        await pipeline(
          client.query(
            copyTo(
              `COPY (SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
                      WHERE height = ${height} ORDER BY address) TO STDOUT WITH (FORMAT csv)`,
            ),
          ),
          res,
        );
      } finally {
        client.release();
      }
      return;
    }
    if (format === "application/x-ndjson" || format === "ndjson") {
      res.status(200).type("application/x-ndjson");
      let after = "";
      for (;;) {
        const { rows } = await pool.query<HoldingDbRow>(
          `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
            WHERE height = $1 AND address > $2 ORDER BY address LIMIT 10000`,
          [height, after],
        );
        if (rows.length === 0) break;
        const chunk = rows.map((r) => `${JSON.stringify(holdingView(height, r))}\n`).join("");
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
        if (res.destroyed) return;
        after = (rows[rows.length - 1] as HoldingDbRow).address;
      }
      res.end();
      return;
    }
    const after = page.cursor ?? "";
    const { rows } = await pool.query<HoldingDbRow>(
      `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
        WHERE height = $1 AND address > $2 ORDER BY address LIMIT $3`,
      [height, after, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((r) => holdingView(height, r));
    const last = items[items.length - 1];
    res.json({ items, nextCursor: rows.length > page.limit && last ? last.address : null });
  });

  router.get("/chain/status", async (_req, res) => {
    const status = deps.follower.status;
    const base = await readBaseState(pool);
    // the node's head (not solidified), asked once without retries: status must answer while the node is down
    const head = await deps.node
      .postOnce("/wallet/getnowblock", {})
      .then((json) => parseBlock(json).number)
      .catch(() => null);
    res.json({
      cursor: status.cursor ? { height: status.cursor.number, blockId: status.cursor.id } : null,
      head,
      solidifiedHead: status.solidHead,
      lagBlocks: status.lagBlocks,
      state: status.state,
      lastError: status.lastError,
      lastErrorAt: status.lastErrorAt,
      base: base
        ? { height: base.height, blockId: base.blockId, source: base.source, accounts: base.accounts }
        : null,
      ingested: { blocks: status.blocksIngested, transactions: status.transactionsIngested },
    });
  });

  app.use(router);
}
