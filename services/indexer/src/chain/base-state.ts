import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { isBase58Address } from "@btt/shared/tron";
import type { VersionRow } from "../data/chain-store.js";

/**
 * The base state: every account's holding components at one block, from which the follower
 * replays. java-tron cannot list accounts, so a replay needs one: either the genesis block's
 * allocation (no file: the follower reads block 0), or a file in this format, given as a path or
 * an http(s) URL in INDEXER_BASE_STATE — an export of a trusted node or another indexer's
 * snapshot, or the devnet's genesis (`GET /devnet/base-state`). NDJSON:
 *
 *   {"format":"btt-indexer-base-state@1","height":N,"blockId":"<64 hex>"}
 *   {"address":"T…","liquid":"…","frozenV1":"…","frozenV2":"…","unfreezing":"…"}
 *   …
 *
 * An address listed twice fails the load (the primary key). The block id is checked against the node before anything is loaded, and every snapshot is
 * cross-checked against the node afterwards, so a wrong file cannot produce a snapshot.
 */

export const BASE_STATE_FORMAT = "btt-indexer-base-state@1";

export interface BaseStateHeader {
  height: number;
  blockId: string;
}

export class BaseStateError extends Error {
  constructor(source: string, line: number, message: string) {
    super(`base state ${source}, line ${line}: ${message}`);
    this.name = "BaseStateError";
  }
}

export interface BaseStateReader {
  header: BaseStateHeader;
  accounts: AsyncIterable<VersionRow>;
  close(): void;
}

const AMOUNT = /^(0|[1-9][0-9]{0,18})$/;
const MAX_INT64 = 2n ** 63n - 1n;

async function openLines(source: string): Promise<{ lines: AsyncIterableIterator<string>; close(): void }> {
  let stream: Readable;
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source);
    if (!response.ok || !response.body)
      throw new BaseStateError(source, 0, `the server answered HTTP ${response.status}`);
    stream = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  } else {
    stream = createReadStream(source);
  }
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  return {
    lines: rl[Symbol.asyncIterator](),
    close: () => {
      rl.close();
      stream.destroy();
    },
  };
}

export async function openBaseState(source: string): Promise<BaseStateReader> {
  const { lines, close } = await openLines(source);
  const first = await lines.next();
  if (first.done) throw new BaseStateError(source, 1, "the file is empty");
  let header: { format?: unknown; height?: unknown; blockId?: unknown };
  try {
    header = JSON.parse(first.value);
  } catch {
    throw new BaseStateError(source, 1, "the header is not JSON");
  }
  if (header.format !== BASE_STATE_FORMAT)
    throw new BaseStateError(source, 1, `format must be ${BASE_STATE_FORMAT}, not ${String(header.format)}`);
  if (!Number.isSafeInteger(header.height) || (header.height as number) < 0)
    throw new BaseStateError(source, 1, "height must be a non-negative integer");
  if (typeof header.blockId !== "string" || !/^[0-9a-f]{64}$/.test(header.blockId))
    throw new BaseStateError(source, 1, "blockId must be 64 lower-case hex characters");
  const height = header.height as number;

  async function* accounts(): AsyncIterable<VersionRow> {
    let n = 1;
    for await (const text of { [Symbol.asyncIterator]: () => lines }) {
      n += 1;
      if (text.trim() === "") continue;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(text);
      } catch {
        throw new BaseStateError(source, n, "not JSON");
      }
      const address = row.address;
      if (!isBase58Address(address))
        throw new BaseStateError(source, n, "address is not a base58 TRON address");
      const read = (field: string): bigint => {
        const v = row[field] ?? "0";
        if (typeof v !== "string" || !AMOUNT.test(v) || BigInt(v) > MAX_INT64)
          throw new BaseStateError(source, n, `${field} must be a non-negative int64 as a decimal string`);
        return BigInt(v);
      };
      yield {
        address,
        height,
        liquid: read("liquid"),
        frozenV1: read("frozenV1"),
        frozenV2: read("frozenV2"),
        unfreezing: read("unfreezing"),
      };
    }
  }
  return { header: { height, blockId: header.blockId }, accounts: accounts(), close };
}
