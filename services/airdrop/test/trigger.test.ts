import { fileURLToPath } from "node:url";
import { createPayoutEngine, privateKeySigner } from "@btt/payouts";
import { createLogger } from "@btt/shared/logger";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enginePort } from "../src/payouts/engine-port.js";
import { RoundService } from "../src/rounds/round-service.js";
import { ScheduleService } from "../src/schedule/schedule-service.js";
import { ScheduleTrigger } from "../src/triggers/schedule-trigger.js";

// The schedule trigger with an injected clock: due entries fire once, historical ones never, a
// tick missed while down is caught up at start, and with several replicas ticking at once only
// one acts. No chain is touched: firing an entry creates its round (the round worker, tested in
// rounds.e2e.test.ts, takes it from there).

const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
const silent = createLogger({ service: "airdrop-test", level: "silent" });
let db: TestDatabase;
let now = new Date("2026-11-24T12:00:00.000Z");
const clock = () => now;

function replica() {
  const schedule = new ScheduleService({ pool: db.pool, noticeDays: 7, clock });
  const engine = createPayoutEngine({
    pool: db.pool,
    schema: "airdrop",
    fullHost: "http://127.0.0.1:1", // never contacted: nothing is approved here
    signer: privateKeySigner("11".repeat(32)),
    memoKind: "airdrop",
    logger: silent,
  });
  const rounds = new RoundService({
    pool: db.pool,
    schedule,
    payouts: enginePort(engine),
    logger: silent,
    approvalsRequired: 2,
    autoApprove: "off",
    roundCap: 10n ** 17n,
    minHoldingSun: 0n,
    defaultExclusions: [],
  });
  return {
    schedule,
    trigger: new ScheduleTrigger({
      pool: db.pool,
      rounds,
      logger: silent,
      clock,
      cronExpression: "* * * * *",
    }),
  };
}

async function roundsOf(entryId: string): Promise<number> {
  const { rows } = await db.pool.query("SELECT 1 FROM airdrop.rounds WHERE schedule_entry_id = $1", [
    entryId,
  ]);
  return rows.length;
}

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  await replica().schedule.ensureSeeded();
});
afterAll(async () => {
  await db?.drop();
});

describe("schedule trigger", () => {
  it("never fires historical entries, fires a due entry once, and catches up a missed tick at start", async () => {
    const { schedule, trigger } = replica();
    const entry = await schedule.add(
      {
        kind: "monthly",
        label: "Monthly airdrop Jan 2027",
        payoutDate: "2027-01-11",
        snapshot: { height: null, at: "2027-01-11T00:00:00.000Z" },
        pool: 1_000_000n,
      },
      "key-ops",
    );
    expect(await trigger.tick()).toEqual([]); // not due yet; the 73 historical entries never fire
    now = new Date("2027-01-12T08:00:00.000Z"); // the service was down over the due time
    expect((await schedule.get(entry.id)).overdue).toBe(true);
    await trigger.start(); // catch-up tick at start
    await trigger.stop();
    expect(await roundsOf(entry.id)).toBe(1);
    expect((await schedule.get(entry.id)).status).toBe("snapshotting");
    expect(await trigger.tick()).toEqual([]); // once only
    const { rows } = await db.pool.query(
      "SELECT 1 FROM airdrop.rounds r JOIN airdrop.schedule_entries e ON e.id = r.schedule_entry_id WHERE e.historical",
    );
    expect(rows).toHaveLength(0);
  });

  it("with several replicas ticking at once, one round per due entry", async () => {
    const { schedule } = replica();
    const entries = [];
    for (const day of ["2027-02-20", "2027-02-21", "2027-02-22"]) {
      entries.push(
        await schedule.add(
          {
            kind: "event",
            label: `event ${day}`,
            payoutDate: day,
            snapshot: { height: 7_000_000, at: null },
            pool: 5_000_000n,
          },
          "key-ops",
        ),
      );
    }
    now = new Date("2027-02-23T00:00:00.000Z");
    const replicas = [replica(), replica(), replica(), replica()];
    const fired = (await Promise.all(replicas.map((r) => r.trigger.tick()))).flat();
    expect(fired.sort()).toEqual(entries.map((e) => e.id).sort());
    for (const e of entries) expect(await roundsOf(e.id)).toBe(1);
  });
});
