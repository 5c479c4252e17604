import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRows, copyTextValue, withTransaction } from "../src/db/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(
    `CREATE TABLE holdings (address text PRIMARY KEY, amount numeric(39,0) NOT NULL, note text, seq bigint)`,
  );
});
afterAll(async () => {
  await db?.drop();
});

describe("PostgreSQL kit (real database)", () => {
  it("bulk-loads rows with COPY, escaping text and keeping big amounts exact", async () => {
    async function* rows() {
      for (let i = 0; i < 5_000; i += 1) {
        yield [
          `T${i.toString().padStart(8, "0")}`,
          2n ** 100n + BigInt(i),
          i === 7 ? "tab\there\nnew\\line" : null,
          BigInt(i),
        ] as const;
      }
    }
    const client = await db.pool.connect();
    try {
      expect(await copyRows(client, "holdings", ["address", "amount", "note", "seq"], rows())).toBe(5_000);
    } finally {
      client.release();
    }
    const { rows: result } = await db.pool.query(
      "SELECT count(*)::int AS n, sum(amount)::text AS total, max(seq) AS max_seq FROM holdings",
    );
    const expectedTotal = 2n ** 100n * 5_000n + (4_999n * 5_000n) / 2n;
    expect(result[0]).toEqual({ n: 5_000, total: expectedTotal.toString(), max_seq: 4_999n });
    const { rows: noted } = await db.pool.query("SELECT note FROM holdings WHERE address = 'T00000007'");
    expect(noted[0].note).toBe("tab\there\nnew\\line");
  });

  it("rolls back a failed transaction and commits a good one", async () => {
    await expect(
      withTransaction(db.pool, async (client) => {
        await client.query("INSERT INTO holdings (address, amount) VALUES ('Trollback', 1)");
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await withTransaction(db.pool, (client) =>
      client.query("INSERT INTO holdings (address, amount) VALUES ('Tcommit', 1)"),
    );
    const { rows } = await db.pool.query(
      "SELECT address FROM holdings WHERE address IN ('Trollback', 'Tcommit')",
    );
    expect(rows).toEqual([{ address: "Tcommit" }]);
  });

  it("escapes COPY text values", () => {
    expect(copyTextValue(null)).toBe("\\N");
    expect(copyTextValue(Buffer.from([0xab, 0x01]))).toBe("\\\\xab01");
    expect(copyTextValue(true)).toBe("t");
    expect(copyTextValue(12n)).toBe("12");
  });
});
