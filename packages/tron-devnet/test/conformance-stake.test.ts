import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshAccount, hexToUtf8, startTestChain, type TestChain } from "./helpers.js";

// Stake 1.0 and 2.0 through TronWeb's transaction builder, read back with getAccount (solidified)
// and /devnet/holdings.

const DAY = 86_400_000;
let t: TestChain;
beforeAll(async () => {
  t = await startTestChain(1);
});
afterAll(async () => {
  await t.devnet.stop();
});

type Reply = { result?: boolean; code?: string; message?: string; txid?: string };
type Holding = { address: string; liquid: string; frozen: string; unfreezing: string; total: string };

/** Fees (bandwidth burns) paid per address, read back from each transaction's info. */
const feesPaid = new Map<string, number>();

async function send(privateKey: string, build: (tw: ReturnType<TestChain["tronWeb"]>) => Promise<unknown>) {
  const tw = t.tronWeb(privateKey);
  const tx = (await build(tw)) as Parameters<typeof tw.trx.sendRawTransaction>[0];
  const signed = (await tw.trx.sign(tx as never)) as Parameters<typeof tw.trx.sendRawTransaction>[0];
  const reply = (await tw.trx.sendRawTransaction(signed)) as Reply;
  await t.devnet.mine(1);
  await t.solidify();
  if (reply.result) {
    const info = (await tw.trx.getTransactionInfo(reply.txid as string)) as { fee?: number };
    const owner = tw.defaultAddress.base58 as string;
    feesPaid.set(owner, (feesPaid.get(owner) ?? 0) + (info.fee ?? 0));
  }
  return reply;
}

async function holdings(address: string, height = t.devnet.head()): Promise<Holding | undefined> {
  const text = await (await fetch(`${t.devnet.url}/devnet/holdings?height=${height}`)).text();
  const rows = text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Holding);
  return rows.find((r) => r.address === address);
}

/** A funded account of our own, so fees and free bandwidth are predictable per test. */
async function fundedAccount(trx: number): Promise<{ address: string; privateKey: string }> {
  const a = freshAccount();
  const reply = await send(t.accounts[0]?.privateKey as string, (tw) =>
    tw.transactionBuilder.sendTrx(a.address, trx),
  );
  expect(reply.result).toBe(true);
  return a;
}

describe("Stake 2.0", () => {
  it("freeze, delegate, undelegate, unfreeze, withdraw after 14 days", async () => {
    const owner = await fundedAccount(1_000_000_000);
    const receiver = t.accounts[5]?.address as string;
    const tw = t.tronWeb(owner.privateKey);
    const start = await tw.trx.getBalance(owner.address);

    expect(
      (await send(owner.privateKey, (w) => w.transactionBuilder.freezeBalanceV2(100_000_000, "ENERGY")))
        .result,
    ).toBe(true);
    let account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2).toEqual([{}, { type: "ENERGY", amount: 100_000_000 }, { type: "TRON_POWER" }]);
    expect(account.balance).toBe(start - 100_000_000);
    expect(await holdings(owner.address)).toEqual({
      address: owner.address,
      liquid: String(start - 100_000_000),
      frozen: "100000000",
      unfreezing: "0",
      total: String(start),
    });

    const del = await send(owner.privateKey, (w) =>
      w.transactionBuilder.delegateResource(40_000_000, receiver, "ENERGY", owner.address),
    );
    expect(del.result).toBe(true);
    account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2?.[1]).toEqual({ type: "ENERGY", amount: 60_000_000 });
    expect(account.account_resource?.delegated_frozenV2_balance_for_energy).toBe(40_000_000);
    const recv = await tw.trx.getAccount(receiver);
    expect(recv.account_resource?.acquired_delegated_frozenV2_balance_for_energy).toBe(40_000_000);
    // delegated-out TRX is still the owner's
    expect((await holdings(owner.address))?.frozen).toBe("100000000");

    const tooMuch = await send(owner.privateKey, (w) =>
      w.transactionBuilder.undelegateResource(50_000_000, receiver, "ENERGY", owner.address),
    );
    expect(tooMuch.code).toBe("CONTRACT_VALIDATE_ERROR");
    expect(hexToUtf8(tooMuch.message)).toBe(
      "Contract validate error : insufficient delegatedFrozenBalance(ENERGY), request=50000000, unlock_balance=40000000",
    );
    expect(
      (
        await send(owner.privateKey, (w) =>
          w.transactionBuilder.undelegateResource(40_000_000, receiver, "ENERGY", owner.address),
        )
      ).result,
    ).toBe(true);
    account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2?.[1]).toEqual({ type: "ENERGY", amount: 100_000_000 });
    expect(account.account_resource?.delegated_frozenV2_balance_for_energy).toBeUndefined();

    const unfreeze = await send(owner.privateKey, (w) =>
      w.transactionBuilder.unfreezeBalanceV2(100_000_000, "ENERGY"),
    );
    expect(unfreeze.result).toBe(true);
    account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2?.[1]).toEqual({ type: "ENERGY" });
    expect(account.unfrozenV2).toHaveLength(1);
    expect(account.unfrozenV2?.[0]).toMatchObject({ type: "ENERGY", unfreeze_amount: 100_000_000 });
    const block = await tw.trx.getBlock(t.devnet.head() - 1);
    expect(account.unfrozenV2?.[0]?.unfreeze_expire_time).toBeGreaterThan(
      block.block_header.raw_data.timestamp + 14 * DAY - 10_000,
    );
    // the third and later transactions of the day burn TRX for bandwidth: only fees leave the total
    expect(feesPaid.get(owner.address)).toBeGreaterThan(0);
    expect(await holdings(owner.address)).toMatchObject({
      frozen: "0",
      unfreezing: "100000000",
      total: String(start - (feesPaid.get(owner.address) ?? 0)),
    });

    const early = await send(owner.privateKey, (w) =>
      w.transactionBuilder.withdrawExpireUnfreeze(owner.address),
    );
    expect(early.code).toBe("CONTRACT_VALIDATE_ERROR");
    expect(hexToUtf8(early.message)).toBe("Contract validate error : no unFreeze balance to withdraw ");

    await t.post("/devnet/time", { advanceMs: 15 * DAY });
    const balanceBefore = await tw.trx.getBalance(owner.address);
    const withdraw = await send(owner.privateKey, (w) =>
      w.transactionBuilder.withdrawExpireUnfreeze(owner.address),
    );
    expect(withdraw.result).toBe(true);
    expect(await tw.trx.getBalance(owner.address)).toBe(balanceBefore + 100_000_000);
    const info = (await tw.trx.getTransactionInfo(withdraw.txid as string)) as unknown as Record<
      string,
      unknown
    >;
    expect(info.withdraw_expire_amount).toBe(100_000_000);
    expect((await tw.trx.getAccount(owner.address)).unfrozenV2).toBeUndefined();
  });

  it("cancelUnfreezeBalanceV2 puts pending unstakes back into frozenV2", async () => {
    const owner = await fundedAccount(500_000_000);
    const tw = t.tronWeb(owner.privateKey);
    expect(
      (await send(owner.privateKey, (w) => w.transactionBuilder.freezeBalanceV2(50_000_000, "BANDWIDTH")))
        .result,
    ).toBe(true);
    expect(
      (await send(owner.privateKey, (w) => w.transactionBuilder.unfreezeBalanceV2(20_000_000, "BANDWIDTH")))
        .result,
    ).toBe(true);
    let account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2?.[0]).toEqual({ amount: 30_000_000 });
    expect(account.unfrozenV2?.[0]).toMatchObject({ unfreeze_amount: 20_000_000 });
    const cancel = await send(owner.privateKey, (w) =>
      w.transactionBuilder.cancelUnfreezeBalanceV2(owner.address),
    );
    expect(cancel.result).toBe(true);
    account = await tw.trx.getAccount(owner.address);
    expect(account.frozenV2?.[0]).toEqual({ amount: 50_000_000 });
    expect(account.unfrozenV2).toBeUndefined();
    const info = (await tw.trx.getTransactionInfo(cancel.txid as string)) as unknown as Record<
      string,
      unknown
    >;
    expect(info.cancel_unfreezeV2_amount).toEqual([
      { key: "BANDWIDTH", value: 20_000_000 },
      { key: "ENERGY", value: 0 },
      { key: "TRON_POWER", value: 0 },
    ]);
    const none = await send(owner.privateKey, (w) =>
      w.transactionBuilder.cancelUnfreezeBalanceV2(owner.address),
    );
    expect(hexToUtf8(none.message)).toBe("Contract validate error : No unfreezeV2 list to cancel");
  });
});

describe("Stake 1.0", () => {
  it("freezeBalance for self and for a receiver, unfreezeBalance after 3 days", async () => {
    const owner = await fundedAccount(300_000_000);
    const receiver = t.accounts[6]?.address as string;
    const tw = t.tronWeb(owner.privateKey);
    const start = await tw.trx.getBalance(owner.address);

    expect(
      (await send(owner.privateKey, (w) => w.transactionBuilder.freezeBalance(10_000_000, 3, "BANDWIDTH")))
        .result,
    ).toBe(true);
    expect(
      (
        await send(owner.privateKey, (w) =>
          w.transactionBuilder.freezeBalance(7_000_000, 3, "ENERGY", owner.address, receiver),
        )
      ).result,
    ).toBe(true);
    const account = await tw.trx.getAccount(owner.address);
    expect(account.frozen?.[0]?.frozen_balance).toBe(10_000_000);
    expect(account.account_resource?.delegated_frozen_balance_for_energy).toBe(7_000_000);
    expect(
      (await tw.trx.getAccount(receiver)).account_resource?.acquired_delegated_frozen_balance_for_energy,
    ).toBeGreaterThanOrEqual(7_000_000);
    const h = await holdings(owner.address);
    expect(h).toMatchObject({ frozen: "17000000", unfreezing: "0" });
    expect(BigInt(h?.total as string)).toBe(BigInt(start));

    const early = await send(owner.privateKey, (w) => w.transactionBuilder.unfreezeBalance("BANDWIDTH"));
    expect(hexToUtf8(early.message)).toBe("Contract validate error : It's not time to unfreeze(BANDWIDTH).");

    await t.post("/devnet/time", { advanceMs: 3 * DAY + 60_000 });
    const before = await tw.trx.getBalance(owner.address);
    const own = await send(owner.privateKey, (w) => w.transactionBuilder.unfreezeBalance("BANDWIDTH"));
    expect(own.result).toBe(true);
    const info = (await tw.trx.getTransactionInfo(own.txid as string)) as unknown as Record<string, unknown>;
    expect(info.unfreeze_amount).toBe(10_000_000);
    const delegated = await send(owner.privateKey, (w) =>
      w.transactionBuilder.unfreezeBalance("ENERGY", owner.address, receiver),
    );
    expect(delegated.result).toBe(true);
    const after = await tw.trx.getAccount(owner.address);
    expect(after.frozen).toBeUndefined();
    expect(after.account_resource?.delegated_frozen_balance_for_energy).toBeUndefined();
    // the freezes used the free bandwidth; the unfreezes burn for theirs
    expect(after.balance).toBe(before + 17_000_000 - (feesPaid.get(owner.address) ?? 0));
  });
});

describe("holdings at past heights", () => {
  it("answers every account's holdings at genesis and keeps past heights unchanged", async () => {
    const genesisHeight = 6_599_990;
    const rows = (await (await fetch(`${t.devnet.url}/devnet/holdings?height=${genesisHeight}`)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Holding);
    const dev0 = rows.find((r) => r.address === t.accounts[0]?.address);
    expect(dev0).toEqual({
      address: t.accounts[0]?.address,
      liquid: t.accounts[0]?.trx,
      frozen: "0",
      unfreezing: "0",
      total: t.accounts[0]?.trx,
    });
    for (const r of rows) {
      expect(BigInt(r.total)).toBe(BigInt(r.liquid) + BigInt(r.frozen) + BigInt(r.unfreezing));
      expect(BigInt(r.total)).toBeGreaterThan(0n);
    }
    expect(rows.length).toBeGreaterThan(30);
    const bad = await fetch(`${t.devnet.url}/devnet/holdings?height=${genesisHeight - 1}`);
    expect(bad.status).toBe(400);
  });
});
