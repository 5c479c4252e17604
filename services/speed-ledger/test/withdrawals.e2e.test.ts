import { createPayoutEngine, type PayoutEngine, privateKeySigner } from "@btt/payouts";
import { withTransaction } from "@btt/shared/db";
import { silentLogger } from "@btt/shared/testing/service-basics";
import { type Devnet, startDevnet } from "@btt/tron-devnet";
import { TronWeb } from "tronweb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyDeposit } from "../src/ledger/deposits.js";
import { LedgerQueries } from "../src/ledger/queries.js";
import { CustodyChain } from "../src/reconciliation/custody-chain.js";
import { Reconciler } from "../src/reconciliation/reconciler.js";
import {
  WITHDRAWAL_MEMO_KIND,
  WITHDRAWALS_BATCH,
  withdrawalPort,
  withdrawalSwitch,
} from "../src/withdrawals/payouts.js";
import { WithdrawalSettler } from "../src/withdrawals/settler.js";
import { apply, applyOptions, BTT, type LedgerDb, ledgerDatabase, party, withdrawal } from "./harness.js";

// Withdrawals on the devnet through @btt/payouts, and reconciliation against the custody
// account's real on-chain BTT: the transfer lands once; a dropped broadcast is re-signed only after
// its expiry is provable in chain time; BTT leaving custody behind the ledger's back is a drift
// that halts withdrawals.

interface DevAccount {
  address: string;
  privateKey: string;
}

let devnet: Devnet;
let l: LedgerDb;
let accounts: DevAccount[];
let custody: DevAccount;
let engine: PayoutEngine;
const LAG = 1;

async function post(path: string, body: unknown) {
  const res = await fetch(`${devnet.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.json();
}

async function sendBtt(fromKey: string, to: string, amount: bigint): Promise<string> {
  const tw = new TronWeb({ fullHost: devnet.url, privateKey: fromKey });
  const tx = await tw.transactionBuilder.sendToken(to, Number(amount), BTT);
  const reply = (await tw.trx.sendRawTransaction(await tw.trx.sign(tx))) as { result?: boolean };
  expect(reply.result).toBe(true);
  return tx.txID;
}

async function bttOf(address: string): Promise<bigint> {
  const account = (await post("/walletsolidity/getaccount", { address, visible: true })) as {
    assetV2?: { key: string; value: number }[];
  };
  return BigInt(account.assetV2?.find((a) => a.key === BTT)?.value ?? 0);
}

beforeAll(async () => {
  devnet = await startDevnet({
    port: 0,
    genesis: { seed: 5, accounts: 30, height: 1_000 },
    blockTimeMs: 0,
    solidificationLag: LAG,
  });
  await devnet.mine(1);
  accounts = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as DevAccount[];
  custody = accounts[9] as DevAccount;
  l = await ledgerDatabase();
  engine = createPayoutEngine({
    pool: l.pool,
    schema: "ledger",
    fullHost: devnet.url,
    signer: privateKeySigner(custody.privateKey),
    memoKind: WITHDRAWAL_MEMO_KIND,
    expirationMs: 60_000,
    pollMs: 20,
    rebroadcastMs: 600_000,
    referenceRefreshMs: 0,
    ratePerSecond: 1_000,
    logger: silentLogger,
  });
  await withTransaction(l.pool, (client) =>
    engine.enqueue(client, WITHDRAWALS_BATCH, WITHDRAWAL_MEMO_KIND, []),
  );
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  await l?.close();
  await devnet?.stop();
});

describe("withdrawals and reconciliation on the devnet", () => {
  it("pays once, re-signs a dropped transfer only after provable expiry, and a drift halts withdrawals", async () => {
    const user = party();
    const recipient = party().address;
    // BTT reaches custody on chain; the deposit is what the indexer would publish for it
    const txId = await sendBtt((accounts[0] as DevAccount).privateKey, custody.address, 5_000_000n);
    const height = await devnet.mine(LAG + 1);
    await withTransaction(l.pool, (client) =>
      applyDeposit(
        client,
        {
          txId,
          from: user.address,
          to: custody.address,
          tokenId: BTT,
          amount: "5000000",
          blockNumber: height - LAG,
          blockTime: new Date().toISOString(),
          memo: null,
        },
        {
          custodyAddress: custody.address,
          tokenId: BTT,
          promotionsFunders: new Set(),
          rewardsFunders: new Set(),
        },
      ),
    );
    let now = Date.now();
    const halts: string[] = [];
    const reconciler = new Reconciler({
      pool: l.pool,
      readCustody: () => new CustodyChain({ fullHost: devnet.url }, custody.address, BTT).read(),
      indexedHeight: async () => null,
      halt: async (reason) => {
        halts.push(reason);
        await withdrawalSwitch(engine).halt(reason);
      },
      resume: withdrawalSwitch(engine).resume,
      logger: silentLogger,
      clock: () => new Date(now),
    });
    expect(await reconciler.evaluate()).toMatchObject({
      state: "balanced",
      ok: true,
      drift: "0",
      custodyOnChain: "5000000",
    });

    const w = withdrawal(user, 2_000_000n, recipient);
    const [verdict] = await apply(l.pool, [w], applyOptions({ withdrawals: withdrawalPort(engine) }));
    expect(verdict).toMatchObject({ status: "accepted" });
    const settler = new WithdrawalSettler({
      pool: l.pool,
      logger: silentLogger,
      pause: withdrawalSwitch(engine).halt,
    });
    const q = new LedgerQueries(l.pool);

    // the node drops the broadcast: answered as accepted, never included
    await post("/devnet/faults", { dropBroadcastRate: 1 });
    await engine.tick();
    await settler.tick();
    expect(await q.withdrawal(w.command.id)).toMatchObject({ status: "broadcast" });
    for (let i = 0; i < 3; i += 1) {
      await devnet.mine(2);
      await engine.tick();
    }
    // not expired in chain time yet: still one attempt, no re-signing
    expect((await q.withdrawal(w.command.id)).txIds).toHaveLength(1);
    // while in flight the books still balance (the reserve is owed until the transfer lands)
    expect(await reconciler.evaluate()).toMatchObject({ drift: "0" });

    await post("/devnet/faults", { dropBroadcastRate: 0 });
    await post("/devnet/time", { advanceMs: 120_000 });
    await devnet.mine(LAG + 1);
    for (let i = 0; i < 6 && (await q.withdrawal(w.command.id)).status !== "confirmed"; i += 1) {
      await engine.tick();
      await devnet.mine(LAG + 1);
      await engine.tick();
      await settler.tick();
    }
    const settled = await q.withdrawal(w.command.id);
    expect(settled).toMatchObject({ status: "confirmed", amount: "2000000", to: recipient });
    expect(settled.txIds).toHaveLength(2);
    expect(await bttOf(recipient)).toBe(2_000_000n); // paid once
    expect(await q.account(user.address)).toMatchObject({
      available: "3000000",
      withdrawn: "2000000",
      withdrawing: "0",
    });
    expect(await reconciler.evaluate()).toMatchObject({
      state: "balanced",
      custodyOnChain: "3000000",
      drift: "0",
    });

    // BTT leaves custody without the ledger: a drift, halting withdrawals once it persists
    await sendBtt(custody.privateKey, party().address, 1n);
    await devnet.mine(LAG + 1);
    const first = await reconciler.tick();
    expect(first).toMatchObject({ state: "drift", ok: false, drift: "-1", withdrawalsHalted: false });
    for (let i = 0; i < 3; i += 1) {
      now += 5_000;
      await reconciler.tick();
    }
    expect(halts).toHaveLength(1);
    expect(await reconciler.evaluate()).toMatchObject({ withdrawalsHalted: true, drift: "-1" });
    // a withdrawal requested now is reserved, and not paid while the halt lasts
    const held = withdrawal(user, 1_000_000n, recipient);
    await apply(l.pool, [held], applyOptions({ withdrawals: withdrawalPort(engine) }));
    expect((await engine.progress(WITHDRAWALS_BATCH)).state).toBe("paused");
    await engine.tick();
    await devnet.mine(LAG + 1);
    await engine.tick();
    await settler.tick();
    expect(await q.withdrawal(held.command.id)).toMatchObject({ status: "reserved", txIds: [] });
    expect(await bttOf(recipient)).toBe(2_000_000n);
  }, 120_000);
});
