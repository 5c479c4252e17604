import { createHash } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { to as copyTo } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materialiseSnapshot } from "../src/snapshots/materialise.js";
import { MIGRATIONS } from "./harness.js";

// The one-pass materialisation against real PostgreSQL, on hand-made account versions: what it
// stores, hashes and sums must equal what PostgreSQL itself computes from the stored rows and
// what the CSV export serves; a failure midway must leave nothing.

let db: TestDatabase;
const N = 5_000;
// base58 alphabet, bytewise order: "1" < "9" < "A" < "Z" < "a" < "z"
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const address = (i: number) => {
  let s = "";
  let x = i * 7919 + 13;
  for (let k = 0; k < 33; k += 1) {
    s += ALPHABET[x % 58];
    x = Math.floor(x / 58) + k * 31 + i;
  }
  return `T${s}`;
};

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  // height 10: N accounts, some empty, some with balances far above 2^53 sun; height 20: every
  // third account changes, every fifth of those to nothing; height 30: more changes (after H=20)
  await db.pool.query(
    `INSERT INTO indexer.account_versions (address, height, liquid, frozen_v1, frozen_v2, unfreezing)
     SELECT a, 10,
            CASE WHEN i % 97 = 0 THEN 0 WHEN i % 11 = 0 THEN 9000000000000000000 - i ELSE i * 1000003 END,
            CASE WHEN i % 7 = 0 THEN 5000000 ELSE 0 END,
            CASE WHEN i % 13 = 0 THEN 123456789012345678 ELSE 0 END,
            CASE WHEN i % 17 = 0 THEN 42 ELSE 0 END
       FROM unnest($1::text[]) WITH ORDINALITY AS t(a, i)`,
    [Array.from({ length: N }, (_, i) => address(i))],
  );
  await db.pool.query(
    `INSERT INTO indexer.account_versions (address, height, liquid, frozen_v1, frozen_v2, unfreezing)
     SELECT address, 20, CASE WHEN liquid % 5 = 0 THEN 0 ELSE liquid + 1 END, 0, 0, 0
       FROM indexer.account_versions WHERE height = 10 AND liquid % 3 = 0`,
  );
  await db.pool.query(
    `INSERT INTO indexer.account_versions (address, height, liquid, frozen_v1, frozen_v2, unfreezing)
     SELECT address, 30, 77, 0, 0, 0 FROM indexer.account_versions WHERE height = 10 AND liquid % 2 = 0`,
  );
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

async function exportBody(height: number): Promise<Buffer> {
  const client = await db.pool.connect();
  try {
    const chunks: Buffer[] = [];
    const stream = client.query(
      copyTo(
        `COPY (SELECT address, liquid, frozen_v1, frozen_v2, unfreezing, total FROM indexer.snapshot_holdings
                WHERE height = ${height} ORDER BY address) TO STDOUT WITH (FORMAT csv)`,
      ),
    );
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    client.release();
  }
}

describe("materialiseSnapshot", () => {
  it("stores the state at H and hashes, counts and sums exactly the stored rows", async () => {
    const m = await materialiseSnapshot(db.pool, 20, 50);
    const truth = await db.pool.query(
      `SELECT count(*)::int AS n, sum(liquid)::text AS liquid, sum(frozen_v1)::text AS v1,
              sum(frozen_v2)::text AS v2, sum(unfreezing)::text AS unfreezing, sum(total)::text AS total
         FROM (SELECT DISTINCT ON (address) address, liquid, frozen_v1, frozen_v2, unfreezing,
                      liquid + frozen_v1 + frozen_v2 + unfreezing AS total
                 FROM indexer.account_versions WHERE height <= 20 ORDER BY address, height DESC) AS s
        WHERE total > 0`,
    );
    const t = truth.rows[0];
    expect(t.n).toBeGreaterThan(N / 2);
    expect(m.holders).toBe(t.n);
    expect(m.totals.liquid.toString()).toBe(t.liquid);
    expect(m.totals.frozenV1.toString()).toBe(t.v1);
    expect(m.totals.frozenV2.toString()).toBe(t.v2);
    expect(m.totals.unfreezing.toString()).toBe(t.unfreezing);
    expect(m.totals.total.toString()).toBe(t.total);
    expect(m.totals.total).toBeGreaterThan(2n ** 63n); // the big balances really were summed
    const body = await exportBody(20);
    expect(createHash("sha256").update(body).digest("hex")).toBe(m.contentHash);
    expect(body.toString("latin1").split("\n").filter(Boolean)).toHaveLength(m.holders);
    expect(m.sample).toHaveLength(50);
    const stored = await db.pool.query(
      "SELECT address, liquid, total FROM indexer.snapshot_holdings WHERE height = 20 AND address = ANY($1::text[])",
      [m.sample.map((r) => r.address)],
    );
    expect(stored.rows).toHaveLength(50);
    for (const r of stored.rows) {
      const s = m.sample.find((x) => x.address === r.address);
      expect(s).toMatchObject({ liquid: r.liquid, total: r.total });
    }
  });

  it("replaces the rows of an earlier attempt, to the same hash", async () => {
    const first = await materialiseSnapshot(db.pool, 20, 10);
    const again = await materialiseSnapshot(db.pool, 20, 10);
    expect(again.contentHash).toBe(first.contentHash);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM indexer.snapshot_holdings WHERE height = 20",
    );
    expect(rows[0].n).toBe(again.holders);
  });

  it("leaves no rows when it fails midway", async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      if (calls === 1000) throw new Error("boom midway");
      return 0.5;
    };
    await expect(materialiseSnapshot(db.pool, 30, 1, failing)).rejects.toThrow("boom midway");
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM indexer.snapshot_holdings WHERE height = 30",
    );
    expect(rows[0].n).toBe(0);
    // and the pool's connections are still usable afterwards
    const m = await materialiseSnapshot(db.pool, 30, 1);
    expect(m.holders).toBeGreaterThan(0);
  });
});
