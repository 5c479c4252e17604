import { randomUUID } from "node:crypto";
import type { SpeedCommand } from "@btt/shared/events";
import { silentLogger } from "@btt/shared/testing/service-basics";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelExpiry } from "../src/jobs/channel-expiry.js";
import { RewardEpochs } from "../src/jobs/reward-epochs.js";
import { applyGrant } from "../src/ledger/grants.js";
import { LedgerQueries } from "../src/ledger/queries.js";
import { checkInvariants, ledgerTotals } from "../src/reconciliation/invariants.js";
import {
  apply,
  applyOptions,
  balances,
  closeChannel,
  deposit,
  depositRules,
  type LedgerDb,
  ledgerDatabase,
  openChannel,
  party,
  recordWithdrawals,
  sign,
  voucher,
  withdrawal,
} from "./harness.js";

// The ledger's rules against real PostgreSQL: each command applied through applyCommands, the
// same transaction code the Kafka consumer runs.

let l: LedgerDb;
beforeAll(async () => {
  l = await ledgerDatabase();
});
afterAll(async () => {
  await l?.close();
});

async function expectInvariants() {
  const report = await checkInvariants(l.pool);
  expect(report).toMatchObject({ ok: true, unbalancedEntries: 0, balanceMismatches: [], lockMismatches: [] });
  const totals = await ledgerTotals(l.pool);
  expect(totals.owed).toBe(-totals.custodyMirror);
}

describe("a channel's life", () => {
  it("deposit → open → vouchers → close: the payee earns what the last voucher says, the rest returns", async () => {
    const payer = party();
    const payee = party();
    await deposit(l.pool, payer.address, 10_000_000n);
    const open = openChannel(payer, payee, 4_000_000n);
    const channelId = open.command.id;
    const [opened] = await apply(l.pool, [open]);
    expect(opened).toMatchObject({ status: "accepted" });
    const verdicts = await apply(l.pool, [
      voucher(channelId, payer, payee, 1_000_000n),
      voucher(channelId, payer, payee, 2_500_000n),
      voucher(channelId, payer, payee, 2_000_000n), // below what was paid: accepted, no effect
    ]);
    expect(verdicts.map((v) => v.status)).toEqual(["accepted", "accepted", "accepted"]);
    expect(verdicts[2]).toMatchObject({ effects: [] });
    const q = new LedgerQueries(l.pool);
    expect(await q.channel(channelId)).toMatchObject({ paid: "2500000", lock: "4000000", status: "open" });
    const [closed] = await apply(l.pool, [closeChannel(channelId, payer, payee)]);
    expect(closed).toMatchObject({ status: "accepted" });
    expect(await q.account(payer.address)).toMatchObject({
      available: "7500000",
      locked: "0",
      spent: "2500000",
      deposited: "10000000",
    });
    expect(await q.account(payee.address)).toMatchObject({ available: "2500000", earned: "2500000" });
    // the statement explains every balance: Σ amounts = available + locked, balanceAfter runs
    const statement = await q.statement(payer.address, 100, undefined);
    let running = 0n;
    for (const item of statement.items) {
      running += BigInt(item.amount);
      expect(BigInt(item.balanceAfter)).toBe(running);
    }
    expect(running).toBe(7_500_000n);
    expect((await q.channel(channelId)).status).toBe("closed");
    await expectInvariants();
  });

  it("vouchers in any order end with the same paid", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          [1n, 2n, 3n, 5n, 8n, 13n].map((x) => x * 100_000n),
          { minLength: 1 },
        ),
        async (amounts) => {
          const payer = party();
          const payee = party();
          await deposit(l.pool, payer.address, 2_000_000n);
          const open = openChannel(payer, payee, 1_300_000n);
          await apply(l.pool, [open]);
          const vouchers = amounts.map((a) => voucher(open.command.id, payer, payee, a));
          for (const v of vouchers) await apply(l.pool, [v]);
          const max = amounts.reduce((a, b) => (a > b ? a : b));
          const q = new LedgerQueries(l.pool);
          expect((await q.channel(open.command.id)).paid).toBe(String(max));
          expect((await q.account(payee.address)).available).toBe(String(max));
        },
      ),
      { numRuns: 8 },
    );
    await expectInvariants();
  });
});

describe("rejections", () => {
  it("forged, wrong-party, wrong-domain, expired and overspending commands change nothing", async () => {
    const payer = party();
    const payee = party();
    const mallory = party();
    await deposit(l.pool, payer.address, 1_000_000n);
    const open = openChannel(payer, payee, 600_000n);
    await apply(l.pool, [open]);
    const nonZero = async () =>
      Object.fromEntries(
        Object.entries(await balances(l.pool)).filter(([, [a, b]]) => a !== "0" || b !== "0"),
      );
    const before = await nonZero();

    const forged = voucher(open.command.id, payer, payee, 100_000n);
    const tampered = { ...forged, command: { ...forged.command, cumulativeAmount: "600000" } };
    const garbage = { ...forged, signature: `0x${"00".repeat(65)}` };
    const byPayee = voucher(open.command.id, payer, payee, 100_000n, payee);
    const byMallory = voucher(open.command.id, payer, payee, 100_000n, mallory);
    const otherDomain = sign(
      { ...voucher(open.command.id, payer, payee, 1n).command, domain: "btt-speed/v1/mainnet" },
      payer,
    );
    const expired = sign(
      { ...voucher(open.command.id, payer, payee, 1n).command, notAfter: String(Date.now() - 1) },
      payer,
    );
    const overLock = voucher(open.command.id, payer, payee, 600_001n);
    const overOpen = openChannel(payer, payee, 400_001n);
    const noChannel = voucher(randomUUID(), payer, payee, 1n);
    const payerCloseEarly = closeChannel(open.command.id, payer, payer);

    const verdicts = await apply(l.pool, [
      tampered,
      garbage,
      byPayee,
      byMallory,
      otherDomain,
      expired,
      overLock,
      overOpen,
      noChannel,
      payerCloseEarly,
    ]);
    expect(verdicts.map((v) => (v.status === "rejected" ? v.reason : v.status))).toEqual([
      "WRONG_SIGNER", // a changed field recovers another address
      "INVALID_SIGNATURE",
      "WRONG_SIGNER",
      "WRONG_SIGNER",
      "WRONG_DOMAIN",
      "EXPIRED",
      "EXCEEDS_LOCK",
      "INSUFFICIENT_FUNDS",
      "CHANNEL_NOT_FOUND",
      "WRONG_SIGNER",
    ]);
    expect(await nonZero()).toEqual(before);
    await expectInvariants();
  });

  it("the payer may close after expiresAt; a closed channel takes no voucher; the expiry job closes the rest", async () => {
    const payer = party();
    const payee = party();
    await deposit(l.pool, payer.address, 1_000_000n);
    const soon = Date.now() + 1_000;
    const a = openChannel(payer, payee, 300_000n, { expiresAt: soon });
    const b = openChannel(payer, payee, 300_000n, { expiresAt: soon });
    await apply(l.pool, [a, b, voucher(a.command.id, payer, payee, 100_000n)]);
    const later = new Date(soon + 5_000);
    const [close] = await apply(l.pool, [closeChannel(a.command.id, payer, payer)], applyOptions(), later);
    expect(close).toMatchObject({ status: "accepted" });
    const [after] = await apply(
      l.pool,
      [voucher(a.command.id, payer, payee, 200_000n)],
      applyOptions(),
      later,
    );
    expect(after).toMatchObject({ status: "rejected", reason: "CHANNEL_CLOSED" });
    const expiry = new ChannelExpiry({ pool: l.pool, logger: silentLogger, graceMs: 0, clock: () => later });
    expect(await expiry.tick()).toBeGreaterThanOrEqual(1);
    const q = new LedgerQueries(l.pool);
    expect((await q.channel(b.command.id)).status).toBe("expired");
    expect(await q.account(payer.address)).toMatchObject({ available: "900000", locked: "0" });
    await expectInvariants();
  });
});

describe("exactly once", () => {
  async function scenario(duplicate: boolean) {
    const payer = party();
    const payee = party();
    await deposit(l.pool, payer.address, 5_000_000n);
    const open = openChannel(payer, payee, 3_000_000n);
    const commands = [
      open,
      voucher(open.command.id, payer, payee, 1_000_000n),
      voucher(open.command.id, payer, payee, 2_000_000n),
      closeChannel(open.command.id, payer, payee),
      withdrawal(payee, 500_000n, party().address),
    ];
    const recorder = recordWithdrawals();
    const options = applyOptions({ withdrawals: recorder.port });
    for (const c of commands) {
      await apply(l.pool, duplicate ? [c, c] : [c], options);
      if (duplicate) await apply(l.pool, [c], options); // redelivered later
    }
    if (duplicate) await apply(l.pool, commands, options); // the whole stream again
    const q = new LedgerQueries(l.pool);
    return {
      payer: await q.account(payer.address),
      payee: await q.account(payee.address),
      queued: recorder.queued.length,
    };
  }

  it("every command delivered twice (and again later) gives balances identical to a clean run", async () => {
    const clean = await scenario(false);
    const doubled = await scenario(true);
    const strip = (a: Record<string, string>) => ({ ...a, address: "" });
    expect(strip(doubled.payer)).toEqual(strip(clean.payer));
    expect(strip(doubled.payee)).toEqual(strip(clean.payee));
    expect(doubled.queued).toBe(1);
    expect(clean.payee).toMatchObject({ available: "1500000", withdrawing: "500000" });
    await expectInvariants();
  });

  it("the same (signer, id) with other content is DUPLICATE_ID; the first verdict stands", async () => {
    const payer = party();
    const payee = party();
    await deposit(l.pool, payer.address, 1_000_000n);
    const open = openChannel(payer, payee, 500_000n);
    await apply(l.pool, [open]);
    const first = voucher(open.command.id, payer, payee, 100_000n);
    const reuse = sign({ ...first.command, cumulativeAmount: "400000" } as SpeedCommand, payer);
    const verdicts = await apply(l.pool, [first, reuse]);
    expect(verdicts[1]).toMatchObject({ status: "rejected", reason: "DUPLICATE_ID" });
    const [later] = await apply(l.pool, [reuse]);
    expect(later).toMatchObject({ status: "rejected", reason: "DUPLICATE_ID" });
    expect((await new LedgerQueries(l.pool).channel(open.command.id)).paid).toBe("100000");
  });

  it("a deposit credits once, however often it is delivered; funding addresses credit the pools", async () => {
    const user = party();
    const funder = party();
    const rules = depositRules({ promotionsFunders: new Set([funder.address]) });
    const txId = "ab".repeat(32);
    expect(await deposit(l.pool, user.address, 700n, rules, txId)).toMatchObject({ applied: true });
    expect(await deposit(l.pool, user.address, 700n, rules, txId)).toMatchObject({ applied: false });
    expect((await new LedgerQueries(l.pool).account(user.address)).deposited).toBe("700");
    const promotions = (await ledgerTotals(l.pool)).promotions;
    await deposit(l.pool, funder.address, 9_000n, rules);
    expect((await ledgerTotals(l.pool)).promotions).toBe(promotions + 9_000n);
    await expectInvariants();
  });
});

describe("grants, withdrawals and rewards", () => {
  it("a grant draws from the promotions pool once per grant id; an empty pool is INSUFFICIENT_FUNDS", async () => {
    const funder = party();
    const user = party();
    await deposit(
      l.pool,
      funder.address,
      1_000n,
      depositRules({ promotionsFunders: new Set([funder.address]) }),
    );
    const pool = (await ledgerTotals(l.pool)).promotions;
    const grantId = randomUUID();
    const request = { grantId, address: user.address, amount: 600n, memo: "welcome", actor: "key-1" };
    expect(await applyGrant(l.pool, request)).toMatchObject({ created: true, availableAfter: "600" });
    expect(await applyGrant(l.pool, request)).toMatchObject({ created: false, availableAfter: "600" });
    await expect(
      applyGrant(l.pool, { ...request, grantId: randomUUID(), amount: pool }),
    ).rejects.toMatchObject({ code: "INSUFFICIENT_FUNDS" });
    expect((await new LedgerQueries(l.pool).account(user.address)).granted).toBe("600");
    await expectInvariants();
  });

  it("a withdrawal reserves and queues its transfer; the daily limit is LIMIT_REACHED", async () => {
    const user = party();
    await deposit(l.pool, user.address, 1_000_000n);
    const recorder = recordWithdrawals();
    const options = applyOptions({ withdrawals: recorder.port, withdrawalDailyLimit: 700_000n });
    const to = party().address;
    const verdicts = await apply(
      l.pool,
      [withdrawal(user, 600_000n, to), withdrawal(user, 200_000n, to), withdrawal(user, 100_000n, to)],
      options,
    );
    expect(verdicts.map((v) => (v.status === "rejected" ? v.reason : v.status))).toEqual([
      "accepted",
      "LIMIT_REACHED",
      "accepted",
    ]);
    expect(recorder.queued.map((w) => w.amount)).toEqual([600_000n, 100_000n]);
    const [broke] = await apply(l.pool, [withdrawal(user, 400_000n, to)], applyOptions());
    expect(broke).toMatchObject({ status: "rejected", reason: "INSUFFICIENT_FUNDS" });
    expect(await new LedgerQueries(l.pool).account(user.address)).toMatchObject({
      available: "300000",
      withdrawing: "700000",
    });
    await expectInvariants();
  });

  it("a reward epoch pays exactly its budget, pro rata to what payees were paid, capped", async () => {
    const funder = party();
    const epochs = new RewardEpochs({
      pool: l.pool,
      logger: silentLogger,
      budget: 1_000_001n,
      caps: { perPair: 300_000n, perPayee: null },
      cronExpression: "0 * * * *",
    });
    await epochs.close(new Date(Date.now() - 1_000)); // closes everything before this test's vouchers
    await deposit(
      l.pool,
      funder.address,
      1_000_001n,
      depositRules({ rewardsFunders: new Set([funder.address]) }),
    );
    const payer = party();
    const [s1, s2, s3] = [party(), party(), party()];
    await deposit(l.pool, payer.address, 3_000_000n);
    const opens = [s1, s2, s3].map((s) => openChannel(payer, s, 900_000n));
    await apply(l.pool, opens);
    await apply(l.pool, [
      voucher(opens[0]!.command.id, payer, s1!, 100_000n),
      voucher(opens[1]!.command.id, payer, s2!, 200_000n),
      voucher(opens[2]!.command.id, payer, s3!, 800_000n), // counts 300,000 (pair cap)
    ]);
    const end = new Date(Date.now() + 1_000);
    const closed = await epochs.close(end);
    expect(closed).toMatchObject({ budget: 1_000_001n, distributed: 1_000_001n, payees: 3 });
    const q = new LedgerQueries(l.pool);
    const rewards = await Promise.all(
      [s1!, s2!, s3!].map(async (s) => BigInt((await q.account(s.address)).rewards)),
    );
    expect(rewards.reduce((a, b) => a + b)).toBe(1_000_001n);
    expect(rewards).toEqual([166_667n, 333_334n, 500_000n]);
    expect(await epochs.close(end)).toBeNull(); // that tick is closed: a second close changes nothing
    await expectInvariants();
  });
});
