import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshAccount, hexToUtf8, startTestChain, type TestChain } from "./helpers.js";

// Every broadcast result code the devnet produces, provoked through TronWeb and checked against
// java-tron's reply shape: failures carry `code`, a hex `message` and `txid`, and no `result`.

let t: TestChain;
beforeAll(async () => {
  t = await startTestChain();
});
afterAll(async () => {
  await t.devnet.stop();
});

type Reply = { result?: boolean; code?: string; message?: string; txid?: string };

describe("broadcast errors", () => {
  it("SIGERROR: signed with a key that is not the owner's", async () => {
    const owner = t.accounts[0]?.address as string;
    const other = t.tronWeb(t.accounts[1]?.privateKey);
    const tx = await other.transactionBuilder.sendTrx(t.accounts[2]?.address as string, 1, owner);
    // multisig=true skips TronWeb's own owner check, so the wrong key reaches the node
    const signed = await other.trx.sign(tx, t.accounts[1]?.privateKey, false, true);
    const reply = (await other.trx.sendRawTransaction(signed)) as Reply;
    expect(reply.result).toBeUndefined();
    expect(reply.code).toBe("SIGERROR");
    expect(reply.txid).toBe(signed.txID);
    expect(hexToUtf8(reply.message)).toBe(
      `Validate signature error: ${signed.signature?.[0]?.toLowerCase()} is signed by ${t.accounts[1]?.address} but it is not contained of permission.`,
    );
  });

  it("SIGERROR: no signature at all", async () => {
    const tw = t.tronWeb();
    const tx = await tw.transactionBuilder.sendTrx(t.accounts[2]?.address as string, 1);
    const reply = (await t.post("/wallet/broadcasttransaction", tx)) as Reply;
    expect(reply.code).toBe("SIGERROR");
    expect(hexToUtf8(reply.message)).toBe("Validate signature error: miss sig or contract");
  });

  it("TAPOS_ERROR: a forged reference block", async () => {
    const tw = t.tronWeb();
    const head = await tw.trx.getCurrentBlock();
    const ts = head.block_header.raw_data.timestamp;
    const tx = await tw.transactionBuilder.sendTrx(t.accounts[2]?.address as string, 1, undefined, {
      blockHeader: {
        ref_block_bytes: head.blockID.slice(12, 16),
        ref_block_hash: "0123456789abcdef",
        expiration: ts + 60_000,
        timestamp: ts,
      },
    });
    const reply = (await tw.trx.sendRawTransaction(await tw.trx.sign(tx))) as Reply;
    expect(reply.code).toBe("TAPOS_ERROR");
    expect(reply.message).toBe("5461706f7320636865636b206572726f722e");
    expect(hexToUtf8(reply.message)).toBe("Tapos check error.");
  });

  it("TRANSACTION_EXPIRATION_ERROR: the chain clock moved past the expiration", async () => {
    const tw = t.tronWeb();
    const signed = await tw.trx.sign(
      await tw.transactionBuilder.sendTrx(t.accounts[2]?.address as string, 1),
    );
    const before = await tw.trx.getCurrentBlock();
    const moved = await t.post("/devnet/time", { advanceMs: 120_000 });
    // the jump is sealed by one block at the new time
    const after = await tw.trx.getCurrentBlock();
    expect(moved).toEqual({
      now: after.block_header.raw_data.timestamp,
      head: before.block_header.raw_data.number + 1,
    });
    expect(after.block_header.raw_data.timestamp).toBeGreaterThanOrEqual(
      before.block_header.raw_data.timestamp + 120_000,
    );
    const reply = (await tw.trx.sendRawTransaction(signed)) as Reply;
    expect(reply.code).toBe("TRANSACTION_EXPIRATION_ERROR");
    expect(hexToUtf8(reply.message)).toBe("Transaction expired");
    // a transaction built after the jump references the new head and is accepted
    expect((await tw.trx.sendTransaction(t.accounts[2]?.address as string, 1)).result).toBe(true);
  });

  it("DUP_TRANSACTION_ERROR: the same transaction broadcast twice (pending, then in a block)", async () => {
    const tw = t.tronWeb();
    const signed = await tw.trx.sign(
      await tw.transactionBuilder.sendTrx(t.accounts[3]?.address as string, 5),
    );
    expect(((await tw.trx.sendRawTransaction(signed)) as Reply).result).toBe(true);
    const again = (await tw.trx.sendRawTransaction(signed)) as Reply;
    expect(again.code).toBe("DUP_TRANSACTION_ERROR");
    expect(hexToUtf8(again.message)).toBe("Dup transaction.");
    await t.devnet.mine(1);
    const third = (await tw.trx.sendRawTransaction(signed)) as Reply;
    expect(third.code).toBe("DUP_TRANSACTION_ERROR");
  });

  it("CONTRACT_VALIDATE_ERROR with java-tron's messages", async () => {
    const poor = freshAccount();
    const tw = t.tronWeb();
    expect((await tw.trx.sendTransaction(poor.address, 2_000_000)).result).toBe(true);
    await t.devnet.mine(1);
    const pw = t.tronWeb(poor.privateKey);
    const tooMuch = (await pw.trx.sendTransaction(t.accounts[0]?.address as string, 3_000_000)) as Reply;
    expect(tooMuch.code).toBe("CONTRACT_VALIDATE_ERROR");
    expect(hexToUtf8(tooMuch.message)).toBe(
      "Contract validate error : Validate TransferContract error, balance is not sufficient.",
    );
    const noToken = (await pw.trx.sendRawTransaction(
      await pw.trx.sign(
        await pw.transactionBuilder.sendToken(t.accounts[0]?.address as string, 1, "1002000"),
      ),
    )) as Reply;
    expect(noToken.code).toBe("CONTRACT_VALIDATE_ERROR");
    expect(hexToUtf8(noToken.message)).toBe("Contract validate error : assetBalance must be greater than 0.");
    const unknownToken = (await tw.trx.sendRawTransaction(
      await tw.trx.sign(await tw.transactionBuilder.sendToken(poor.address, 1, "1000001")),
    )) as Reply;
    expect(hexToUtf8(unknownToken.message)).toBe("Contract validate error : No asset!");
    const self = (await tw.trx.sendRawTransaction(
      await tw.trx.sign(
        await tw.transactionBuilder.freezeBalanceV2(1, "BANDWIDTH", t.accounts[0]?.address as string),
      ),
    )) as Reply;
    expect(hexToUtf8(self.message)).toBe(
      "Contract validate error : frozenBalance must be greater than or equal to 1 TRX",
    );
    // a contract type the devnet does not execute is refused, never silently accepted
    const vote = (await tw.trx.sendRawTransaction(
      await tw.trx.sign(await tw.transactionBuilder.vote({ [t.accounts[1]?.address as string]: 1 })),
    )) as Reply;
    expect(vote.code).toBe("CONTRACT_VALIDATE_ERROR");
    expect(hexToUtf8(vote.message)).toMatch(
      /^Contract validate error : VoteWitnessContract is not supported/,
    );
  });

  it("BANDWITH_ERROR: no TRX and no free bandwidth left", async () => {
    const holder = freshAccount();
    const tw = t.tronWeb();
    // BTT to a new address creates it with 0 TRX (the sender pays the creation fee)
    const seed = await tw.trx.sendRawTransaction(
      await tw.trx.sign(await tw.transactionBuilder.sendToken(holder.address, 10_000_000, "1002000")),
    );
    expect(seed.result).toBe(true);
    await t.devnet.mine(1);
    const hw = t.tronWeb(holder.privateKey);
    const send = async (amount: number) =>
      (await hw.trx.sendRawTransaction(
        await hw.trx.sign(
          await hw.transactionBuilder.sendToken(t.accounts[1]?.address as string, amount, "1002000"),
        ),
      )) as Reply;
    // two BTT transfers fit in the 600 free bytes, the third would have to burn TRX it does not have
    expect((await send(1)).result).toBe(true);
    expect((await send(2)).result).toBe(true);
    const third = await send(3);
    expect(third.code).toBe("BANDWITH_ERROR");
    expect(third.message).toBe("4163636f756e74207265736f7572636520696e73756666696369656e74206572726f722e");
    expect(hexToUtf8(third.message)).toBe("Account resource insufficient error.");
  });
});

describe("faults", () => {
  it("SERVER_BUSY, dropped broadcasts and latency are switchable", async () => {
    const tw = t.tronWeb();
    expect(await t.post("/devnet/faults", { serverBusyRate: 1 })).toEqual({
      dropBroadcastRate: 0,
      serverBusyRate: 1,
      latencyMs: 0,
    });
    const busy = (await tw.trx.sendTransaction(t.accounts[4]?.address as string, 11)) as Reply;
    expect(busy.code).toBe("SERVER_BUSY");
    expect(hexToUtf8(busy.message)).toBe("Server busy.");

    await t.post("/devnet/faults", { serverBusyRate: 0, dropBroadcastRate: 1 });
    const dropped = await tw.trx.sendTransaction(t.accounts[4]?.address as string, 12);
    expect(dropped.result).toBe(true);
    await t.devnet.mine(1);
    await t.solidify();
    expect(await tw.trx.getTransactionInfo(dropped.txid)).toEqual({});
    await expect(tw.trx.getTransaction(dropped.txid)).rejects.toThrow(/Transaction not found/);

    expect(await t.post("/devnet/faults", { dropBroadcastRate: 0, latencyMs: 150 })).toMatchObject({
      latencyMs: 150,
    });
    const started = Date.now();
    await tw.trx.getCurrentBlock();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await t.post("/devnet/faults", { latencyMs: 0 });
  });
});

describe("signature forms and broadcasthex failures", () => {
  it("accepts v = 0/1 as well as TronWeb's 27/28", async () => {
    const tw = t.tronWeb(t.accounts[8]?.privateKey);
    const signed = await tw.trx.sign(
      await tw.transactionBuilder.sendTrx(t.accounts[9]?.address as string, 31),
    );
    const sig = signed.signature?.[0] as string;
    const v = Number.parseInt(sig.slice(128), 16);
    expect([27, 28]).toContain(v);
    const onChainForm = {
      ...signed,
      signature: [sig.slice(0, 128) + (v - 27).toString(16).padStart(2, "0")],
    };
    const reply = (await t.post("/wallet/broadcasttransaction", onChainForm)) as Reply;
    expect(reply).toEqual({ result: true, txid: signed.txID });
  });

  it("broadcasthex failures carry result=false, the code and a UTF-8 message", async () => {
    const tw = t.tronWeb(t.accounts[8]?.privateKey);
    const tx = await tw.transactionBuilder.sendTrx(t.accounts[9]?.address as string, 32);
    // raw_data only, no signature: Transaction { raw_data = 1 }
    const raw = Buffer.from(tx.raw_data_hex, "hex");
    const hex = Buffer.concat([Buffer.from([0x0a]), encodeLength(raw.length), raw]).toString("hex");
    const reply = await t.post("/wallet/broadcasthex", { transaction: hex });
    expect(reply).toMatchObject({
      result: false,
      code: "SIGERROR",
      message: "Validate signature error: miss sig or contract",
      txid: tx.txID,
    });
    expect(JSON.parse(reply.transaction as string).txID).toBe(tx.txID);
  });
});

function encodeLength(n: number): Buffer {
  const out: number[] = [];
  let x = n;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
  return Buffer.from(out);
}
