import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRows, copyTextValue, createPool, withTransaction } from "../src/db/index.js";
import { isRetryable } from "../src/errors/index.js";
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

  it("a checked-out client whose connection is cut fails its queries, not the process", async () => {
    // pg-pool gives a checked-out client no "error" listener: without createPool's own, the cut
    // below is an uncaught exception (vitest fails the run on it), as it was for every service
    // when the fault suite first cut PostgreSQL's connections
    const pool = createPool({ connectionString: db.url, applicationName: "btt-cut-test", max: 2 });
    try {
      const held = await pool.connect();
      const { rows } = await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await db.pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the socket's end arrives idle
      // and what it then answers is a retryable failure, never the message's fault: a consumer
      // took it for one and dead-lettered a Speed command during the full fault suite
      const failure = await held.query("SELECT 1").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(isRetryable(failure)).toBe(true);
      held.release();
      const again = await pool.query<{ one: number }>("SELECT 1 AS one");
      expect(again.rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
    }
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
