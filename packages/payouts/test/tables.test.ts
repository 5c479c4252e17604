import { randomUUID } from "node:crypto";
import { withTransaction } from "@btt/shared/db";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { batchProgress, cancelBatch, pauseBatch, resumeBatch } from "../src/batches.js";
import { enqueuePayments } from "../src/enqueue.js";
import { isProvablyExpired, provablyExpiredSql } from "../src/expiry.js";
import { payoutTablesSql } from "../src/schema.js";
import { tablesIn } from "../src/tables.js";
import { dropTestDatabase, makePayments, randomRecipient, testSchema } from "./harness.js";

afterAll(async () => {
  await dropTestDatabase();
});

describe("payout tables", () => {
  it("the DDL survives a migration runner that splits on ; and quotes (no comments, balanced quotes)", () => {
    const sql = payoutTablesSql("airdrop");
    expect(sql).not.toMatch(/--|\/\*/);
    expect((sql.match(/'/g) ?? []).length % 2).toBe(0);
    for (const statement of sql.split(";")) expect((statement.match(/'/g) ?? []).length % 2).toBe(0);
    expect(() => payoutTablesSql("Air drop")).toThrow();
  });

  it("admits at most one live attempt per payment and no txid twice", async () => {
    const { db, schema } = await testSchema("constraints");
    const tables = tablesIn(schema);
    const [p] = makePayments(1);
    if (!p) throw new Error("no payment");
    await withTransaction(db.pool, (c) => enqueuePayments(c, tables, "k", "round", [p]));
    const insert = (txId: string, attempt: number, state: string) =>
      db.pool.query(
        `INSERT INTO ${tables.attempts} (tx_id, payment_id, attempt, state, signed_tx, raw_data_hex, ref_block_num, expiration_ms)
         VALUES ($1, $2, $3, $4, '{}', '', 1, 1)`,
        [txId, p.id, attempt, state],
      );
    await insert("a1", 1, "signed");
    await expect(insert("a2", 2, "broadcast")).rejects.toThrow(/payment_attempts_one_live_idx/);
    await expect(insert("a1", 3, "expired")).rejects.toThrow(/payment_attempts_pkey/);
    await db.pool.query(`UPDATE ${tables.attempts} SET state = 'expired' WHERE tx_id = 'a1'`);
    await insert("a2", 2, "signed");
    await expect(insert("a3", 2, "expired")).rejects.toThrow(/payment_id_attempt/);
  });
});

describe("enqueue", () => {
  it("streams 200,000 payments through COPY inside the caller's transaction", async () => {
    const { db, schema } = await testSchema("bulk");
    const tables = tablesIn(schema);
    const n = 200_000;
    const recipients = Array.from({ length: 64 }, randomRecipient);
    function* rows() {
      for (let i = 0; i < n; i++)
        yield { id: randomUUID(), recipient: recipients[i % 64] as string, amount: BigInt(i + 1) };
    }
    const result = await withTransaction(db.pool, (c) => enqueuePayments(c, tables, "bulk", "round", rows()));
    expect(result).toEqual({ count: n, amount: (BigInt(n) * BigInt(n + 1)) / 2n });
    const progress = await batchProgress(db.pool, tables, "bulk");
    expect(progress.pending).toEqual({ count: n, amount: result.amount });
    expect(progress.state).toBe("active");
  });

  it("rejects a bad row and leaves nothing behind (the caller's transaction rolls back)", async () => {
    const { db, schema } = await testSchema("invalid");
    const tables = tablesIn(schema);
    const good = makePayments(3);
    const cases = [
      { ...good[0], recipient: "41aabbccddeeff00112233445566778899aabbccdd" },
      { ...good[0], amount: 0n },
      { ...good[0], amount: 5 as unknown as bigint },
      { ...good[0], id: "not-a-uuid" },
    ];
    for (const bad of cases) {
      await expect(
        withTransaction(db.pool, (c) =>
          enqueuePayments(c, tables, "x", "round", [...good, bad as (typeof good)[number]]),
        ),
      ).rejects.toThrow(/payment #3/);
    }
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${tables.payments}`);
    expect(rows[0]?.n).toBe(0);
    const batches = await db.pool.query(`SELECT count(*)::int AS n FROM ${tables.batches}`);
    expect(batches.rows[0]?.n).toBe(0);
  });

  it("pause, resume and cancel follow the batch states; a cancelled batch takes no payments", async () => {
    const { db, schema } = await testSchema("states");
    const tables = tablesIn(schema);
    await withTransaction(db.pool, (c) => enqueuePayments(c, tables, "s", "round", makePayments(10)));
    expect(await pauseBatch(db.pool, tables, "s", "maintenance")).toEqual({
      batchId: "s",
      state: "paused",
      reason: "maintenance",
    });
    expect((await batchProgress(db.pool, tables, "s")).reason).toBe("maintenance");
    expect(await resumeBatch(db.pool, tables, "s")).toMatchObject({ state: "active", reason: null });
    expect(await cancelBatch(db.pool, tables, "s", "wrong round")).toMatchObject({ state: "cancelled" });
    const p = await batchProgress(db.pool, tables, "s");
    expect(p.cancelled.count).toBe(10);
    await expect(resumeBatch(db.pool, tables, "s")).rejects.toThrow(/cannot be resumed/);
    await expect(
      withTransaction(db.pool, (c) => enqueuePayments(c, tables, "s", "round", makePayments(1))),
    ).rejects.toThrow(/takes no new payments/);
    await expect(pauseBatch(db.pool, tables, "nope", "x")).rejects.toThrow(/no payout batch/);
  });
});

describe("the expiry rule in SQL", () => {
  it("is the same predicate as isProvablyExpired", async () => {
    const { db } = await testSchema("expiry_sql");
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        async (ref, first, head, time, expiration) => {
          const { rows } = await db.pool.query<{ expired: boolean }>(
            `SELECT (${provablyExpiredSql("$1", "$2", "$3")}) AS expired
             FROM (VALUES ($4::bigint, $5::bigint)) AS a(ref_block_num, expiration_ms)`,
            [time, first, head, ref, expiration],
          );
          const scan = { firstHeight: first, solidHeight: head, solidTimeMs: time };
          expect(rows[0]?.expired).toBe(
            isProvablyExpired({ refBlockNum: ref, expirationMs: expiration }, scan),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
