import { withTransaction } from "@btt/shared/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DevAccount,
  dropTestDatabase,
  engineFor,
  expectPaidExactlyOnce,
  makePayments,
  startTestChain,
  type TestChain,
  testSchema,
} from "./harness.js";

let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain();
});

afterAll(async () => {
  await chain?.stop();
  await dropTestDatabase();
});

describe("a lossy node", () => {
  it("10% dropped broadcasts and 5% SERVER_BUSY: attempts expire and are re-signed, still exactly once", async () => {
    const { db, schema } = await testSchema("faults");
    const distributor = chain.accounts[1] as DevAccount;
    const payments = makePayments(250, 6);
    await chain.fund(
      distributor.address,
      payments.reduce((s, p) => s + p.amount, 0n),
      1_000_000_000n,
    );
    const engine = engineFor(chain, db, schema, distributor, {
      expirationMs: 30_000,
      rebroadcastMs: 300,
      claimBatchSize: 25,
      ratePerSecond: 400,
    });
    await withTransaction(db.pool, (client) => engine.enqueue(client, "lossy", "round", payments));
    await chain.faults({ dropBroadcastRate: 0.1, serverBusyRate: 0.05 });
    chain.startMiner(100);
    engine.start();
    // now and then the chain clock jumps 40 s (sealed in one block): live attempts expire in seconds
    const deadline = Date.now() + 60_000;
    let jumps = 0;
    while ((await engine.progress("lossy")).state !== "completed") {
      if (Date.now() > deadline)
        throw new Error(`lossy batch did not complete: ${JSON.stringify(engine.stats())}`);
      await new Promise((r) => setTimeout(r, 500));
      if (jumps < 10) {
        await chain.advanceTime(40_000);
        jumps += 1;
      }
    }
    await engine.stop();
    chain.stopMiner();
    await chain.faults({ dropBroadcastRate: 0, serverBusyRate: 0 });

    const stats = engine.stats();
    expect(stats.broadcastErrors.SERVER_BUSY ?? 0).toBeGreaterThan(0);
    expect(stats.expired).toBeGreaterThan(0);
    expect(stats.rebroadcasts).toBeGreaterThan(0);
    expect(stats.invariantViolations).toBe(0);

    const { rows } = await db.pool.query<{ resigned: number; expired: number }>(
      `SELECT (SELECT count(*)::int FROM ${schema}.payments WHERE attempts > 1) AS resigned,
              (SELECT count(*)::int FROM ${schema}.payment_attempts WHERE state = 'expired') AS expired`,
    );
    expect(rows[0]?.resigned).toBeGreaterThan(0);
    const transfers = await expectPaidExactlyOnce(chain, distributor.address, payments);
    expect(transfers.some((t) => (t.attempt ?? 0) > 1)).toBe(true);
    const expiredTx = await db.pool.query<{ tx_id: string }>(
      `SELECT tx_id FROM ${schema}.payment_attempts WHERE state = 'expired'`,
    );
    const onChain = new Set(transfers.map((t) => t.txId));
    for (const r of expiredTx.rows) expect(onChain.has(r.tx_id)).toBe(false);
  });
});
