import { z } from "zod";
import {
  Address,
  AmountOut,
  Base58,
  Height,
  HeightParam,
  IsoTime,
  PageQuery,
  pageOf,
} from "./common-schemas.js";

/** API.md "Snapshots": what the gateway accepts and what the indexer answers. */

export const SnapshotRequest = z
  .union([z.object({ height: Height }).strict(), z.object({ at: IsoTime }).strict()])
  .openapi("SnapshotRequest");

export const HeightParams = z.object({ height: HeightParam });
export const HeightAddressParams = HeightParams.extend({ address: Address });

export const HoldingsQuery = PageQuery.extend({
  format: z
    .enum(["json", "csv", "ndjson"])
    .optional()
    .describe("`csv` or `ndjson`: the whole snapshot, streamed (or send Accept: text/csv)"),
}).strict();

export const Snapshot = z
  .object({
    height: z.number().int(),
    blockId: z.string().nullable(),
    blockTime: z.string().nullable(),
    status: z.enum(["pending", "running", "completed", "failed"]),
    holders: z.number().int().nullable(),
    total: AmountOut.nullable(),
    totals: z
      .object({
        liquid: AmountOut.nullable(),
        frozen: AmountOut,
        unfreezing: AmountOut.nullable(),
        frozenV1: AmountOut.nullable().describe("Stake 1.0 part of `frozen`"),
        frozenV2: AmountOut.nullable().describe("Stake 2.0 part of `frozen`"),
      })
      .nullable(),
    contentHash: z.string().nullable().describe("SHA-256 of the CSV export's rows (X-Content-Hash)"),
    completedAt: z.string().nullable(),
    failure: z.unknown().nullable(),
  })
  .openapi("Snapshot");

/** A snapshot asked for by time, before the indexer has resolved the time to a block. */
export const PendingSnapshot = z
  .object({ at: z.string(), height: z.null(), status: z.literal("pending") })
  .openapi("PendingSnapshot");

export const SnapshotPage = pageOf(Snapshot).openapi("SnapshotPage");

export const Holding = z
  .object({
    address: Base58,
    height: z.number().int(),
    liquid: AmountOut,
    frozen: AmountOut,
    unfreezing: AmountOut,
    total: AmountOut,
    frozenV1: AmountOut,
    frozenV2: AmountOut,
  })
  .openapi("Holding");

export const HoldingPage = pageOf(Holding).openapi("HoldingPage");
