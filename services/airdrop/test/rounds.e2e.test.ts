import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "@btt/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashLeaf, uuidToBytes, verifyProof } from "../src/domain/merkle.js";
import { type AirdropStack, startAirdropStack } from "./stack.js";

// Whole rounds on the devnet, through the airdrop's API only, with the real indexer and the real
// payout engine in child processes: snapshot → compute → two approvals → pay → confirm, checked
// on chain (every recipient's BTT grew by exactly its amount, Σ = pool). Then the same under a
// lossy node, with the service SIGKILLed mid-round, with two workers racing, and cancel + re-run.

const VERIFY_CLI = fileURLToPath(new URL("../dist/cli/verify-round.js", import.meta.url));
let stack: AirdropStack;
const OPS_A = "key-ops-a";
const OPS_B = "key-ops-b";

interface Entitlement {
  address: string;
  amount: string;
  leafIndex: number;
  holding: { liquid: string; frozen: string; unfreezing: string; total: string };
  payout: { status: string; txId: string | null };
}

async function solidHeight(): Promise<number> {
  return stack.devnet.solidHead();
}

async function round(id: string) {
  const { status, body } = await stack.call("GET", `/rounds/${id}`);
  expect(status).toBe(200);
  return body;
}

async function waitStatus(id: string, wanted: string[], timeoutMs = 60_000, tick?: () => Promise<void>) {
  return waitFor(
    async () => {
      await tick?.();
      const r = await round(id);
      if (r.status === "failed") throw new Error(`round failed: ${r.statusReason}`);
      return wanted.includes(r.status) ? r : undefined;
    },
    timeoutMs,
    `round ${id} to be ${wanted.join("|")}`,
  );
}

async function table(id: string): Promise<Entitlement[]> {
  const items: Entitlement[] = [];
  let cursor: string | null = null;
  do {
    const { body } = await stack.call(
      "GET",
      `/rounds/${id}/entitlements?limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
    );
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

async function balances(addresses: string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const a of addresses) out.set(a, await stack.tokenBalance(a));
  return out;
}

/** Creates an event round at the current solidified height and waits for its table. */
async function computedRound(pool: string, label: string) {
  const height = await solidHeight();
  const created = await stack.call(
    "POST",
    "/rounds",
    { kind: "event", label, pool, snapshotHeight: height },
    OPS_A,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return waitStatus(created.body.id, ["computed"]);
}

async function approveTwice(r: { id: string; merkleRoot: string }) {
  const first = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_A);
  expect(first.status).toBe(200);
  const second = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_B);
  expect(second.status).toBe(200);
  return second.body;
}

/** Σ on-chain increase over the round's recipients equals the pool, and each equals its amount. */
async function expectPaidExactly(rows: Entitlement[], before: Map<string, bigint>, pool: bigint) {
  const after = await balances(rows.map((r) => r.address));
  let sum = 0n;
  for (const row of rows) {
    const delta = (after.get(row.address) as bigint) - (before.get(row.address) as bigint);
    expect(delta, row.address).toBe(BigInt(row.amount));
    sum += delta;
  }
  expect(sum).toBe(pool);
}

async function payoutsOf(roundId: string) {
  const { rows } = await stack.db.pool.query<{ recipient: string; n: number; attempts: number }>(
    `SELECT p.recipient, count(a.*) FILTER (WHERE a.state = 'confirmed')::int AS n, p.attempts
       FROM airdrop.payments p LEFT JOIN airdrop.payment_attempts a ON a.payment_id = p.id
      WHERE p.batch_id = $1 GROUP BY p.recipient, p.attempts`,
    [roundId],
  );
  return rows;
}

beforeAll(async () => {
  stack = await startAirdropStack({ accounts: 120 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("a whole round on the devnet", () => {
  it("snapshots, computes, needs two distinct approvals of the current root, pays and confirms exactly", async () => {
    const pool = 3_000_000_000n;
    const r = await computedRound(pool.toString(), "happy path");
    expect(r).toMatchObject({ status: "computed", approvalsRequired: 2, pool: pool.toString() });
    expect(BigInt(r.eligibleTotal)).toBeGreaterThan(pool); // pro rata: Σ = pool exactly
    expect(BigInt(r.feeEstimate.bandwidthBytes)).toBeGreaterThan(0n);
    expect(r.exclusions.map((e: { address: string }) => e.address)).toContain(stack.distributor.address);
    const rows = await table(r.id);
    expect(rows.length).toBe(r.recipients);
    expect(rows.reduce((s, e) => s + BigInt(e.amount), 0n)).toBe(pool);

    // every proof verifies against the published root
    const root = Buffer.from(r.merkleRoot, "hex");
    for (const row of rows.slice(0, 25)) {
      const { body } = await stack.call("GET", `/rounds/${r.id}/entitlements/${row.address}`);
      const leaf = hashLeaf(uuidToBytes(r.id), {
        address: row.address,
        liquid: BigInt(row.holding.liquid),
        frozen: BigInt(row.holding.frozen),
        unfreezing: BigInt(row.holding.unfreezing),
        amount: BigInt(row.amount),
      });
      const proof = (body.proof as string[]).map((p) => Buffer.from(p, "hex"));
      expect(verifyProof(leaf, row.leafIndex, rows.length, proof, root)).toBe(true);
    }
    const missing = await stack.call("GET", `/rounds/${r.id}/entitlements/${stack.distributor.address}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/excluded/);

    const before = await balances(rows.map((e) => e.address));
    const stale = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: "00".repeat(32) }, OPS_A);
    expect(stale.body.error.code).toBe("STALE_ROOT");
    const once = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_A);
    expect(once.body.status).toBe("computed");
    const twice = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_A);
    expect(twice.body.error.code).toBe("ALREADY_APPROVED");
    const closed = await stack.call(
      "POST",
      `/rounds/${r.id}/exclusions`,
      { address: rows[0]?.address, reason: "late" },
      OPS_B,
    );
    expect(closed.status).toBe(409);
    const started = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_B);
    expect(["approved", "distributing"]).toContain(started.body.status);

    const done = await waitStatus(r.id, ["completed"], 90_000);
    expect(done.progress).toMatchObject({ confirmed: rows.length, failed: 0, paid: pool.toString() });
    await expectPaidExactly(rows, before, pool);
    const paid = await table(r.id);
    expect(
      paid.every((e) => e.payout.status === "confirmed" && /^[0-9a-f]{64}$/.test(e.payout.txId ?? "")),
    ).toBe(true);
    const csv = await fetch(`${stack.airdrop.url}/rounds/${r.id}/entitlements?format=csv`).then((x) =>
      x.text(),
    );
    expect(csv.split("\n")[0]).toBe("address,liquid,frozen,unfreezing,total,amount,leafIndex,txId");
    expect(csv.trim().split("\n")).toHaveLength(rows.length + 1);
    // the verification command recomputes the root from the snapshot; a tampered root is caught
    const verify = (json = false) =>
      spawnSync(
        process.execPath,
        [
          VERIFY_CLI,
          r.id,
          "--airdrop",
          stack.airdrop.url,
          "--indexer",
          stack.indexer.url,
          ...(json ? ["--json"] : []),
        ],
        { encoding: "utf8" },
      );
    const good = verify();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain("MATCH");
    await stack.db.pool.query("UPDATE airdrop.rounds SET merkle_root = $2 WHERE id = $1", [
      r.id,
      "ab".repeat(32),
    ]);
    const bad = verify(true);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).checks[0]).toMatchObject({
      name: "merkleRoot",
      ok: false,
      recomputed: r.merkleRoot,
    });
    await stack.db.pool.query("UPDATE airdrop.rounds SET merkle_root = $2 WHERE id = $1", [
      r.id,
      r.merkleRoot,
    ]);
    const audit = await stack.call("GET", `/rounds/${r.id}/audit`);
    expect(
      audit.body.items
        .filter((a: { action: string }) => a.action === "round.approval")
        .map((a: { who: string }) => a.who),
    ).toEqual([OPS_A, OPS_B]);
  }, 180_000);

  it("a dry run computes the whole table and totals and is never paid", async () => {
    const height = await solidHeight();
    const created = await stack.call(
      "POST",
      "/rounds",
      { kind: "event", label: "dry run", pool: "700000000", snapshotHeight: height, dryRun: true },
      OPS_A,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const r = await waitStatus(created.body.id, ["computed"]);
    expect(r).toMatchObject({ dryRun: true, distributed: "700000000" });
    expect((await table(r.id)).reduce((s, e) => s + BigInt(e.amount), 0n)).toBe(700_000_000n);
    const refused = await stack.call("POST", `/rounds/${r.id}/approve`, { merkleRoot: r.merkleRoot }, OPS_A);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/dry run/);
  }, 60_000);

  it("an exclusion before the first approval recomputes the round with a new root", async () => {
    const r = await computedRound("1000000000", "exclusion");
    const rows = await table(r.id);
    const victim = rows[3]?.address as string;
    const res = await stack.call(
      "POST",
      `/rounds/${r.id}/exclusions`,
      { address: victim, reason: "exchange cold wallet" },
      OPS_A,
    );
    expect(res.status).toBe(200);
    const again = await waitStatus(r.id, ["computed"]);
    expect(again.merkleRoot).not.toBe(r.merkleRoot);
    expect(again.recipients).toBe(r.recipients - 1);
    const lookup = await stack.call("POST", `/rounds/${r.id}/entitlements/lookup`, {
      addresses: [victim, rows[4]?.address],
    });
    expect(lookup.body.items[0]).toMatchObject({ address: victim, reason: "excluded: exchange cold wallet" });
    expect(lookup.body.items[1].amount).toBeDefined();
    const cancel = await stack.call("POST", `/rounds/${r.id}/cancel`, { reason: "test over" }, OPS_A);
    expect(cancel.body.status).toBe("cancelled");
  }, 120_000);

  it("pays exactly once while the node drops 10 % of broadcasts and answers SERVER_BUSY to 5 %", async () => {
    const pool = 2_000_000_000n;
    const r = await computedRound(pool.toString(), "lossy node");
    const rows = await table(r.id);
    const before = await balances(rows.map((e) => e.address));
    await stack.faults({ dropBroadcastRate: 0.1, serverBusyRate: 0.05 });
    try {
      await approveTwice(r);
      // dropped transfers never land: chain time must pass their expiration before they are re-signed
      await waitStatus(r.id, ["completed"], 150_000, async () => {
        await stack.advanceTime(20_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
    } finally {
      await stack.faults({ dropBroadcastRate: 0, serverBusyRate: 0 });
    }
    await expectPaidExactly(rows, before, pool);
    const payouts = await payoutsOf(r.id);
    expect(payouts.every((p) => p.n === 1)).toBe(true);
    expect(payouts.some((p) => p.attempts > 1)).toBe(true); // some were re-signed after expiry
  }, 240_000);

  it("pays exactly once with the airdrop service SIGKILLed five times mid-round", async () => {
    const pool = 2_500_000_000n;
    const r = await computedRound(pool.toString(), "killed");
    const rows = await table(r.id);
    const before = await balances(rows.map((e) => e.address));
    await stack.faults({ latencyMs: 150 }); // slow enough that every kill lands mid-round
    await approveTwice(r);
    const confirmedAtKill: number[] = [];
    for (let kill = 0; kill < 5; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300 + kill * 100));
      confirmedAtKill.push((await round(r.id)).progress.confirmed);
      await stack.airdrop.kill("SIGKILL");
      await stack.airdrop.restart();
    }
    await stack.faults({ latencyMs: 0 });
    expect(
      confirmedAtKill.some((n) => n < rows.length),
      `confirmed at each kill: ${confirmedAtKill}`,
    ).toBe(true);
    await waitStatus(r.id, ["completed"], 150_000, async () => {
      await stack.advanceTime(20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await expectPaidExactly(rows, before, pool);
    expect((await payoutsOf(r.id)).every((p) => p.n === 1)).toBe(true);
  }, 240_000);

  it("pays exactly once with two payout workers racing", async () => {
    const second = await stack.startSecondAirdrop();
    try {
      const pool = 1_500_000_000n;
      const r = await computedRound(pool.toString(), "two workers");
      const rows = await table(r.id);
      const before = await balances(rows.map((e) => e.address));
      await approveTwice(r);
      await waitStatus(r.id, ["completed"], 120_000);
      await expectPaidExactly(rows, before, pool);
      expect((await payoutsOf(r.id)).every((p) => p.n === 1)).toBe(true);
    } finally {
      await second.kill("SIGKILL");
    }
  }, 180_000);

  it("a cancel mid-round, then a re-run of the entry, still pays each recipient once and Σ = pool", async () => {
    const pool = 2_000_000_000n;
    const height = await solidHeight();
    const payoutDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const entry = await stack.call(
      "POST",
      "/schedule/entries",
      { kind: "event", label: "re-run", payoutDate, snapshot: { height }, pool: pool.toString() },
      OPS_A,
    );
    expect(entry.status, JSON.stringify(entry.body)).toBe(201);
    // the entry is not due for a month: only a forced date change or a failed/cancelled round may run it
    const early = await stack.call("POST", "/rounds", { scheduleEntryId: entry.body.id }, OPS_A);
    expect(early.status).toBe(409);
    const today = new Date().toISOString().slice(0, 10);
    const due = await stack.call(
      "PATCH",
      `/schedule/entries/${entry.body.id}`,
      { payoutDate: today, reason: "run now for the test", force: true },
      OPS_A,
    );
    expect(due.status, JSON.stringify(due.body)).toBe(200);
    const created = await stack.call("POST", "/rounds", { scheduleEntryId: entry.body.id }, OPS_A);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const dup = await stack.call("POST", "/rounds", { scheduleEntryId: entry.body.id }, OPS_A);
    expect(dup.status).toBe(409); // never two live rounds
    const r = await waitStatus(created.body.id, ["computed"]);
    const rows = await table(r.id);
    const before = await balances(rows.map((e) => e.address));
    await stack.faults({ latencyMs: 400 }); // a slow node, so the cancel lands mid-round
    await approveTwice(r);
    await waitFor(
      async () => ((await round(r.id)).progress.confirmed > 3 ? true : undefined),
      60_000,
      "some payments",
    );
    const cancel = await stack.call("POST", `/rounds/${r.id}/cancel`, { reason: "wrong pool" }, OPS_A);
    await stack.faults({ latencyMs: 0 });
    expect(["cancelling", "cancelled"], JSON.stringify(cancel.body)).toContain(cancel.body.status);
    const cancelled = await waitStatus(r.id, ["cancelled"], 120_000, async () => {
      await stack.advanceTime(20_000);
    });
    const paidFirst = cancelled.progress.confirmed as number;
    expect(paidFirst).toBeGreaterThan(0);

    const rerun = await stack.call("POST", "/rounds", { scheduleEntryId: entry.body.id }, OPS_A);
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    const r2 = await waitStatus(rerun.body.id, ["computed"]);
    expect(r2.progress.alreadyPaid).toBe(paidFirst);
    await approveTwice(r2);
    await waitStatus(r2.id, ["completed"], 120_000, async () => {
      await stack.advanceTime(20_000);
    });
    await expectPaidExactly(rows, before, pool);
    const schedule = await stack.call("GET", "/schedule");
    const shown = schedule.body.entries.find((e: { id: string }) => e.id === entry.body.id);
    expect(shown).toMatchObject({ status: "completed", roundId: r2.id });
  }, 300_000);
});
