import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PoolClient } from "@btt/shared/db";
import { to as copyTo } from "pg-copy-streams";
import type { Balances } from "../domain/effects.js";

/**
 * A snapshot's rows: every account's components at H (its latest version at or below H) with a
 * holding above zero, written into `snapshot_holdings` by PostgreSQL itself in one statement,
 * then read back once in address order as CSV to hash it, sum it and draw the cross-check sample.
 *
 * Content hash: SHA-256 over the rows in address order, each `address,liquid,frozenV1,frozenV2,
 * unfreezing,total\n` (decimal sun) — exactly the body of the CSV export without its header
 * line, so anyone holding the export can recompute it with `tail -n +2 | sha256sum`.
 */

export const CSV_HEADER = "address,liquid,frozenV1,frozenV2,unfreezing,total";

export interface HoldingRow extends Balances {
  address: string;
  total: bigint;
}

export interface Materialised {
  holders: number;
  totals: Balances & { total: bigint };
  contentHash: string;
  /** A uniform random sample of the rows (reservoir), for the cross-check. */
  sample: HoldingRow[];
}

export async function writeSnapshotRows(client: PoolClient, height: number): Promise<number> {
  await client.query("DELETE FROM indexer.snapshot_holdings WHERE height = $1", [height]);
  // a million-row DISTINCT ON sorts in memory rather than spilling to disk
  await client.query("SET LOCAL work_mem = '256MB'");
  const result = await client.query(
    `INSERT INTO indexer.snapshot_holdings (height, address, liquid, frozen_v1, frozen_v2, unfreezing, total)
     SELECT $1, address, liquid, frozen_v1, frozen_v2, unfreezing, liquid + frozen_v1 + frozen_v2 + unfreezing
       FROM (SELECT DISTINCT ON (address) address, liquid, frozen_v1, frozen_v2, unfreezing
               FROM indexer.account_versions
              WHERE height <= $1
              ORDER BY address, height DESC) AS at_height
      WHERE liquid + frozen_v1 + frozen_v2 + unfreezing > 0
      ORDER BY address`,
    [height],
  );
  return result.rowCount ?? 0;
}

export function parseCsvRow(line: string): HoldingRow {
  const [address, liquid, frozenV1, frozenV2, unfreezing, total] = line.split(",");
  return {
    address: address as string,
    liquid: BigInt(liquid as string),
    frozenV1: BigInt(frozenV1 as string),
    frozenV2: BigInt(frozenV2 as string),
    unfreezing: BigInt(unfreezing as string),
    total: BigInt(total as string),
  };
}

/** Streams the stored rows once: hash, count, totals and a reservoir sample of `sampleSize`. */
export async function digestSnapshotRows(
  client: PoolClient,
  height: number,
  sampleSize: number,
  random: () => number = Math.random,
): Promise<Materialised> {
  const hash = createHash("sha256");
  const totals = { liquid: 0n, frozenV1: 0n, frozenV2: 0n, unfreezing: 0n, total: 0n };
  const sample: string[] = [];
  let holders = 0;
  let carry = "";
  const onLine = (line: string) => {
    holders += 1;
    // totals from the integer columns, without building a row object per line
    const c1 = line.indexOf(",");
    const c2 = line.indexOf(",", c1 + 1);
    const c3 = line.indexOf(",", c2 + 1);
    const c4 = line.indexOf(",", c3 + 1);
    const c5 = line.indexOf(",", c4 + 1);
    totals.liquid += BigInt(line.slice(c1 + 1, c2));
    totals.frozenV1 += BigInt(line.slice(c2 + 1, c3));
    totals.frozenV2 += BigInt(line.slice(c3 + 1, c4));
    totals.unfreezing += BigInt(line.slice(c4 + 1, c5));
    totals.total += BigInt(line.slice(c5 + 1));
    if (sample.length < sampleSize) sample.push(line);
    else {
      const j = Math.floor(random() * holders);
      if (j < sampleSize) sample[j] = line;
    }
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      const text = carry + chunk.toString("latin1");
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
      done();
    },
  });
  await pipeline(
    client.query(
      copyTo(
        `COPY (SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total
                 FROM indexer.snapshot_holdings WHERE height = ${Number(height)} ORDER BY address)
         TO STDOUT WITH (FORMAT csv)`,
      ),
    ),
    sink,
  );
  if (carry !== "") throw new Error("the snapshot CSV stream ended inside a row");
  return { holders, totals, contentHash: hash.digest("hex"), sample: sample.map(parseCsvRow) };
}
