import { fileURLToPath } from "node:url";
import { payoutTablesShape, payoutTablesSql } from "@btt/payouts";
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

describe("payout tables", () => {
  it("are the engine's tables, as payoutTablesSql defines them", async () => {
    const mine = await payoutTablesShape(db.pool, "airdrop");
    mine.indexes = mine.indexes.filter((d) => !d.includes("payments_batch_recipient_idx")); // its own lookup index
    const engine = await payoutTablesShape(db.pool, "engine_reference");
    expect(mine.columns.length).toBeGreaterThan(20);
    expect(mine).toEqual(engine);
  });
});
