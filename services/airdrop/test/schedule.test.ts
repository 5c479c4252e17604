import { fileURLToPath } from "node:url";
import { isAppError } from "@btt/shared/errors";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_BUDGET, INITIAL_DROP_POOL } from "../src/domain/schedule.js";
import { ScheduleService } from "../src/schedule/schedule-service.js";

// The schedule as data in PostgreSQL: seeded once, historical before the first start, versioned,
// every change logged and published, the notice-period rule, the event budget, overdue entries.

const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
const DAY = 86_400_000;
let db: TestDatabase;
let now = new Date("2026-11-24T12:00:00.000Z");
let schedule: ScheduleService;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  schedule = new ScheduleService({ pool: db.pool, noticeDays: 7, clock: () => now });
});
afterAll(async () => {
  await db?.drop();
});

describe("schedule", () => {
  it("seeds the default schedule once, every entry historical, as version 1", async () => {
    expect((await schedule.ensureSeeded()).seeded).toBe(true);
    now = new Date(now.getTime() + DAY);
    expect((await schedule.ensureSeeded()).seeded).toBe(false); // a restart seeds nothing
    const { version, entries } = await schedule.list();
    expect(version).toBe(1);
    expect(entries).toHaveLength(73);
    expect(entries.every((e) => e.status === "historical" && !e.overdue)).toBe(true);
    expect(entries.reduce((sum, e) => sum + BigInt(e.pool), 0n)).toBe(97_020_000_000_000_000n);
    expect(entries[0]).toMatchObject({
      kind: "initial",
      payoutDate: "2019-02-11",
      snapshot: { height: 6_600_000, at: null },
      pool: INITIAL_DROP_POOL.toString(),
      roundId: null,
    });
    const seeded = await db.pool.query("SELECT topic, key FROM airdrop.outbox");
    expect(seeded.rows).toEqual([{ topic: "airdrop.events", key: "schedule" }]);
  });

  it("adds an event entry outside the notice period, logs who, why and the notice given, and publishes it", async () => {
    const entry = await schedule.add(
      {
        kind: "event",
        label: "Exchange partner drop",
        payoutDate: "2027-01-15",
        snapshot: { height: null, at: "2027-01-14T00:00:00.000Z" },
        pool: 1_000_000_000_000n,
        reason: "partnership",
      },
      "key-ops-1",
    );
    expect(entry).toMatchObject({
      kind: "event",
      status: "scheduled",
      overdue: false,
      pool: "1000000000000",
    });
    const { version } = await schedule.list();
    expect(version).toBe(2);
    const changes = await schedule.changes(10, undefined);
    expect(changes.items[1]).toMatchObject({
      version: 2,
      entryId: entry.id,
      action: "created",
      who: "key-ops-1",
      why: "partnership",
      forced: false,
      noticeDays: 50, // 25 Nov 12:00 → 15 Jan 00:00 is 50.5 days
    });
    const { rows } = await db.pool.query<{ envelope: { type: string; payload: { version: number } } }>(
      "SELECT envelope FROM airdrop.outbox ORDER BY seq",
    );
    expect(rows.map((r) => [r.envelope.type, r.envelope.payload.version])).toEqual([
      ["schedule.changed", 1],
      ["schedule.changed", 2],
    ]);
  });

  it("refuses changes inside the notice period unless forced, and past the event budget", async () => {
    const soon = new Date(now.getTime() + 3 * DAY).toISOString().slice(0, 10);
    const input = {
      kind: "event" as const,
      label: "Short notice",
      payoutDate: soon,
      snapshot: { height: 123, at: null },
      pool: 5n,
    };
    expect(await codeOf(schedule.add(input, "key-ops-1"))).toBe("NOTICE_PERIOD");
    const forced = await schedule.add({ ...input, force: true, reason: "court order" }, "key-ops-1");
    expect(forced.status).toBe("scheduled");
    expect(await codeOf(schedule.add({ ...input, payoutDate: "2027-06-01", pool: EVENT_BUDGET }, "k"))).toBe(
      "BUDGET_EXCEEDED",
    );
    // editing: the current date is inside the period
    expect(await codeOf(schedule.edit(forced.id, { pool: 6n, reason: "more" }, "key-ops-2"))).toBe(
      "NOTICE_PERIOD",
    );
    const moved = await schedule.edit(
      forced.id,
      { payoutDate: "2027-03-01", reason: "moved out", force: true },
      "key-ops-2",
    );
    expect(moved.payoutDate).toBe("2027-03-01");
    // a historical entry: its date is past, so any change needs force
    const initial = (await schedule.list()).entries[0];
    expect(await codeOf(schedule.edit(initial?.id as string, { pool: 1n, reason: "x" }, "k"))).toBe(
      "NOTICE_PERIOD",
    );
  });

  it("keeps a cancelled entry visible with its reason, and shows overdue once the date passes without a round", async () => {
    const entries = (await schedule.list()).entries.filter((e) => e.kind === "event");
    const [partner, moved] = entries as [(typeof entries)[0], (typeof entries)[0]];
    const cancelled = await schedule.edit(
      partner.id,
      { status: "cancelled", reason: "partner withdrew" },
      "key-ops-1",
    );
    expect(cancelled).toMatchObject({ status: "cancelled", reason: "partner withdrew" });
    expect(await codeOf(schedule.edit(partner.id, { pool: 1n, reason: "again" }, "k"))).toBe("CONFLICT");
    now = new Date("2027-03-02T00:00:00.000Z");
    const late = (await schedule.list()).entries.find((e) => e.id === moved.id);
    expect(late).toMatchObject({ status: "scheduled", overdue: true });
    const log = await schedule.changes(100, undefined);
    expect(log.items.map((c) => c.action)).toEqual(["seeded", "created", "created", "updated", "cancelled"]);
    expect(log.items[3]).toMatchObject({ forced: true, why: "moved out", who: "key-ops-2" });
  });
});
