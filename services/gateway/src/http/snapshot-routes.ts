import { z } from "zod";
import { PageQuery } from "./common-schemas.js";
import type { ProxyRoute } from "./proxy-route.js";
import {
  HeightAddressParams,
  HeightParams,
  Holding,
  HoldingPage,
  HoldingsQuery,
  PendingSnapshot,
  Snapshot,
  SnapshotPage,
  SnapshotRequest,
} from "./snapshot-schemas.js";

/** API.md "Snapshots", served by the indexer. */

export const SNAPSHOT_ROUTES: readonly ProxyRoute[] = [
  {
    method: "post",
    path: "/v1/snapshots",
    access: "operator",
    tag: "snapshots",
    summary: "Ask for a snapshot at a height or a time (the same height twice is the same snapshot)",
    body: SnapshotRequest,
    answer: {
      status: 202,
      description: "the snapshot, or a pending request until the time is resolved to a block",
      schema: z.union([Snapshot, PendingSnapshot]),
    },
    errors: [409, 422],
  },
  {
    method: "get",
    path: "/v1/snapshots",
    access: "exchange",
    tag: "snapshots",
    summary: "List snapshots, highest first",
    query: PageQuery,
    answer: { status: 200, description: "a page of snapshots", schema: SnapshotPage },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/snapshots/{height}",
    access: "exchange",
    tag: "snapshots",
    summary: "A snapshot",
    params: HeightParams,
    answer: { status: 200, description: "the snapshot", schema: Snapshot },
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/snapshots/{height}/holdings/{address}",
    access: "exchange",
    tag: "snapshots",
    summary: "One address's holding in a completed snapshot (404 when it held nothing)",
    params: HeightAddressParams,
    answer: { status: 200, description: "the holding", schema: Holding },
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/v1/snapshots/{height}/holdings",
    access: "exchange",
    tag: "snapshots",
    summary: "Holdings in address order; the whole snapshot as CSV with Accept: text/csv",
    description:
      "CSV (or NDJSON with `?format=ndjson`) is streamed; the CSV rows after the header are what " +
      "`contentHash` hashes.",
    params: HeightParams,
    query: HoldingsQuery,
    answer: { status: 200, description: "a page of holdings", schema: HoldingPage },
    streams: { csv: "text/csv", ndjson: "application/x-ndjson" },
    streamHeaders: { "X-Content-Hash": "the snapshot's content hash (CSV only)" },
    errors: [404, 409],
  },
];
