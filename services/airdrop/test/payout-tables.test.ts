import { fileURLToPath } from "node:url";
import { payoutTablesSql } from "@btt/payouts";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The airdrop's migration 0003 carries @btt/payouts' tables verbatim: created from the engine's
// own payoutTablesSql in another schema, both must have the same columns, constraints and indexes.

const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  await db.pool.query(payoutTablesSql("engine_reference"));
});
afterAll(async () => {
  await db?.drop();
});

async function shape(schema: string) {
  const columns = await db.pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = $1 AND table_name IN ('payout_batches', 'payments', 'payment_attempts', 'payout_scan')
      ORDER BY 1, 2`,
    [schema],
  );
  const constraints = await db.pool.query(
    `SELECT c.conrelid::regclass::text AS t, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1, 2`,
    [schema],
  );
  const indexes = await db.pool.query(
    `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1
      AND tablename IN ('payout_batches', 'payments', 'payment_attempts', 'payout_scan') ORDER BY 1, 2`,
    [schema],
  );
  const strip = (text: string) => text.replaceAll(`"${schema}".`, "").replaceAll(`${schema}.`, "");
  return {
    columns: columns.rows.map((r) => ({ ...r, column_default: r.column_default && strip(r.column_default) })),
    constraints: constraints.rows
      .filter((r) => ["payout_batches", "payments", "payment_attempts", "payout_scan"].includes(strip(r.t)))
      .map((r) => `${strip(r.t)}: ${strip(r.def)}`),
    indexes: indexes.rows
      .map((r) => strip(r.indexdef))
      .filter((d) => !d.includes("payments_batch_recipient_idx")), // the airdrop's own lookup index
  };
}

describe("payout tables", () => {
  it("are the engine's tables, as payoutTablesSql defines them", async () => {
    const mine = await shape("airdrop");
    const engine = await shape("engine_reference");
    expect(mine.columns.length).toBeGreaterThan(20);
    expect(mine).toEqual(engine);
  });
});
