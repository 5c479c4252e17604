import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Pool, PoolClient } from "@btt/shared/db";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { Balances } from "../domain/effects.js";

/**
 * A snapshot's rows: every account's components at H (its latest version at or below H) with a
 * holding above zero, in address order — computed by PostgreSQL, read ONCE and written ONCE:
 *
 *   account_versions ──COPY (SELECT DISTINCT ON …) TO STDOUT──▶ Node ──COPY FROM STDIN──▶ snapshot_holdings
 *                                                               │
 *                                      SHA-256, holders, totals, reservoir sample, order check
 *
 * Two connections: one reads the state at H as CSV, the other loads the very same bytes (each line
 * prefixed with the height) into `snapshot_holdings` inside one transaction, which commits only
 * after the stream ended whole and PostgreSQL counted as many rows as were hashed. Anything going
 * wrong drops both connections, so that transaction rolls back and nothing of the snapshot stays.
 *
 * Content hash: SHA-256 over the rows in address order, each `address,liquid,frozenV1,frozenV2,
 * unfreezing,total\n` (decimal sun) — exactly the body of the CSV export without its header
 * line (the export is PostgreSQL's CSV of the stored rows, and the stored rows are these bytes),
 * so anyone holding the export can recompute it with `tail -n +2 | sha256sum`.
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

/** The state at H: each address's latest version at or below H, holding above zero, by address. */
function stateAtSql(height: number): string {
  return `SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, liquid + frozen_v1 + frozen_v2 + unfreezing
            FROM (SELECT DISTINCT ON (address) address, liquid, frozen_v1, frozen_v2, unfreezing
                    FROM indexer.account_versions
                   WHERE height <= ${Number(height)}
                   ORDER BY address, height DESC) AS at_height
           WHERE liquid + frozen_v1 + frozen_v2 + unfreezing > 0
           ORDER BY address`;
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

const COMMA = 0x2c;
const NEWLINE = 0x0a;
/** Partial sums stay exact doubles: each added value is < 10^15 < 2^50, flushed at 2^52. */
const FLUSH_AT = 2 ** 52;

/**
 * The digest of the CSV rows streaming through: SHA-256 of the bytes, holders, per-column totals
 * (summed as doubles while exact, flushed into bigints), a reservoir sample, and a check that the
 * addresses strictly increase bytewise (the order the content hash promises, and one row per
 * address). `push` hands on the complete lines of each chunk, each prefixed with `prefix`.
 */
class RowDigest {
  private readonly hash = createHash("sha256");
  private readonly sums = [0, 0, 0, 0, 0];
  private readonly big = [0n, 0n, 0n, 0n, 0n];
  private readonly reservoir: string[] = [];
  private carry: Buffer = Buffer.alloc(0);
  private previous: Buffer = Buffer.alloc(0);
  holders = 0;

  constructor(
    private readonly prefix: Buffer,
    private readonly sampleSize: number,
    private readonly random: () => number,
  ) {}

  /** Digests the complete lines in `chunk` (plus what the last chunk left) and returns them prefixed. */
  take(chunk: Buffer): Buffer | null {
    this.hash.update(chunk);
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const ends: number[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      this.line(buf, start, nl);
      ends.push(nl);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
    if (ends.length === 0) return null;
    const out = Buffer.allocUnsafe(start + ends.length * this.prefix.length);
    let at = 0;
    let from = 0;
    for (const nl of ends) {
      at += this.prefix.copy(out, at);
      at += buf.copy(out, at, from, nl + 1);
      from = nl + 1;
    }
    return out;
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.holders += 1;
    const c1 = buf.indexOf(COMMA, start);
    if (c1 === -1 || c1 > end) throw new Error("a snapshot CSV line without columns");
    if (buf.compare(this.previous, 0, this.previous.length, start, c1) <= 0) {
      throw new Error(
        `snapshot rows out of address order at ${buf.toString("latin1", start, c1)} (after ${this.previous.toString("latin1")})`,
      );
    }
    this.previous = Buffer.from(buf.subarray(start, c1));
    let from = c1 + 1;
    for (let col = 0; col < 5; col += 1) {
      const to = col < 4 ? buf.indexOf(COMMA, from) : end;
      if (to === -1 || to > end) throw new Error("a snapshot CSV line with too few columns");
      if (to - from <= 15 && buf[from] !== 0x2d) {
        let value = 0;
        for (let i = from; i < to; i += 1) {
          const digit = (buf[i] as number) - 0x30;
          if (digit < 0 || digit > 9) throw new Error("a snapshot CSV column that is not an integer");
          value = value * 10 + digit;
        }
        const sum = (this.sums[col] as number) + value;
        if (sum >= FLUSH_AT) {
          this.big[col] = (this.big[col] as bigint) + BigInt(sum);
          this.sums[col] = 0;
        } else this.sums[col] = sum;
      } else {
        this.big[col] = (this.big[col] as bigint) + BigInt(buf.toString("latin1", from, to));
      }
      from = to + 1;
    }
    if (this.reservoir.length < this.sampleSize) this.reservoir.push(buf.toString("latin1", start, end));
    else {
      const j = Math.floor(this.random() * this.holders);
      if (j < this.sampleSize) this.reservoir[j] = buf.toString("latin1", start, end);
    }
  }

  finish(): Materialised {
    if (this.carry.length > 0) throw new Error("the snapshot CSV stream ended inside a row");
    const total = (col: number) => (this.big[col] as bigint) + BigInt(this.sums[col] as number);
    return {
      holders: this.holders,
      totals: {
        liquid: total(0),
        frozenV1: total(1),
        frozenV2: total(2),
        unfreezing: total(3),
        total: total(4),
      },
      contentHash: this.hash.digest("hex"),
      sample: this.reservoir.map(parseCsvRow),
    };
  }
}

/**
 * Writes the snapshot's rows (replacing any an interrupted attempt left) and digests them in the
 * same pass. Returns once the rows are committed.
 */
export async function materialiseSnapshot(
  pool: Pool,
  height: number,
  sampleSize: number,
  random: () => number = Math.random,
): Promise<Materialised> {
  const h = Number(height);
  if (!Number.isSafeInteger(h) || h < 0) throw new Error(`not a height: ${height}`);
  const reader = await pool.connect();
  let writer: PoolClient | undefined;
  let failure: Error | undefined;
  try {
    writer = await pool.connect();
    await writer.query("BEGIN");
    await writer.query("DELETE FROM indexer.snapshot_holdings WHERE height = $1", [h]);
    await reader.query("BEGIN READ ONLY");
    // a million-row DISTINCT ON sorts in memory rather than spilling to disk
    await reader.query("SET LOCAL work_mem = '256MB'");

    const digest = new RowDigest(Buffer.from(`${h},`, "latin1"), sampleSize, random);
    const into = copyFrom(
      `COPY indexer.snapshot_holdings (height, address, liquid, frozen_v1, frozen_v2, unfreezing, total)
         FROM STDIN WITH (FORMAT csv)`,
    );
    await pipeline(
      reader.query(copyTo(`COPY (${stateAtSql(h)}) TO STDOUT WITH (FORMAT csv)`)),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          try {
            const out = digest.take(chunk);
            done(null, out ?? undefined);
          } catch (error) {
            done(error as Error);
          }
        },
      }),
      writer.query(into),
    );
    await reader.query("COMMIT");
    const result = digest.finish();
    if (into.rowCount !== result.holders) {
      throw new Error(`hashed ${result.holders} snapshot rows but PostgreSQL stored ${into.rowCount}`);
    }
    await writer.query("COMMIT");
    return result;
  } catch (error) {
    // drop both connections: the write transaction rolls back, neither is left mid-COPY
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    reader.release(failure);
    writer?.release(failure);
  }
}
