import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { merkleRoot } from "../src/protocol/block.js";
import { sha256 } from "../src/protocol/crypto.js";
import { ProtoWriter } from "../src/protocol/protobuf.js";
import { freshAccount, startTestChain, type TestChain } from "./helpers.js";

// Everything here goes through TronWeb 6.5.1 exactly as a service would (plain HTTP only for
// getaccountbalance, which TronWeb does not wrap).

const BTT = "1002000";
let t: TestChain;

beforeAll(async () => {
  t = await startTestChain();
});
afterAll(async () => {
  await t.devnet.stop();
});

type Info = {
  id: string;
  fee?: number;
  blockNumber: number;
  blockTimeStamp: number;
  receipt: Record<string, number>;
};

describe("TRX transfers", () => {
  it("sendTransaction between development accounts: balances, block, receipt", async () => {
    const [a0, a1] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
    const tw = t.tronWeb(a0.privateKey);
    expect(await tw.isConnected()).toMatchObject({ fullNode: true, solidityNode: true, eventServer: true });
    const before0 = await tw.trx.getUnconfirmedBalance(a0.address);
    const before1 = await tw.trx.getUnconfirmedBalance(a1.address);
    expect(String(before0)).toBe(a0.trx);

    const sent = await tw.trx.sendTransaction(a1.address, 1_234_567);
    expect(sent.result).toBe(true);
    const txid = sent.transaction.txID;
    // pending state is visible on /wallet, not on /walletsolidity
    expect(await tw.trx.getUnconfirmedBalance(a1.address)).toBe(before1 + 1_234_567);
    expect(await tw.trx.getBalance(a1.address)).toBe(before1);
    await expect(tw.trx.getTransaction(txid)).rejects.toThrow(/Transaction not found/);

    const height = (await t.devnet.mine(1)) as number;
    expect(await tw.trx.getBalance(a1.address)).toBe(before1); // not solid yet
    await t.solidify();
    expect(await tw.trx.getBalance(a1.address)).toBe(before1 + 1_234_567);
    // the first transfers of the day ride on the free 600 bytes: no fee
    expect(await tw.trx.getBalance(a0.address)).toBe(before0 - 1_234_567);

    const info = (await tw.trx.getTransactionInfo(txid)) as unknown as Info;
    expect(info.id).toBe(txid);
    expect(info.blockNumber).toBe(height);
    expect(info.fee).toBeUndefined();
    // raw bytes + 65-byte signature + protobuf framing + 64 (TRON-API.md §5)
    const rawLen = sent.transaction.raw_data_hex.length / 2;
    expect(info.receipt).toEqual({ net_usage: rawLen + 2 + 67 + 64 + (rawLen >= 128 ? 1 : 0) });

    const block = await tw.trx.getBlock(height);
    expect(block.block_header.raw_data.number).toBe(height);
    expect(block.transactions?.map((x) => x.txID)).toEqual([txid]);
    const confirmed = await tw.trx.getConfirmedTransaction(txid);
    expect(confirmed.ret?.[0]?.contractRet).toBe("SUCCESS");
    expect(confirmed.raw_data.contract[0]?.parameter.value).toMatchObject({
      amount: 1_234_567,
      owner_address: tw.address.toHex(a0.address).toLowerCase(),
      to_address: tw.address.toHex(a1.address).toLowerCase(),
    });
  });

  it("a transfer to a new address creates it and costs 1.1 TRX (0.1 bandwidth + 1 TRX creation)", async () => {
    const tw = t.tronWeb(t.accounts[2]?.privateKey);
    const from = t.accounts[2]?.address as string;
    const to = freshAccount().address;
    const before = await tw.trx.getUnconfirmedBalance(from);
    const sent = await tw.trx.sendTransaction(to, 5_000_000);
    expect(sent.result).toBe(true);
    await t.devnet.mine(1);
    await t.solidify();
    expect(await tw.trx.getBalance(to)).toBe(5_000_000);
    expect(await tw.trx.getBalance(from)).toBe(before - 5_000_000 - 1_100_000);
    const info = (await tw.trx.getTransactionInfo(sent.transaction.txID)) as unknown as Info;
    expect(info.fee).toBe(1_100_000);
    expect(info.receipt).toEqual({ net_fee: 100_000 });
    const account = await tw.trx.getAccount(to);
    expect(account.address).toBe(tw.address.toHex(to).toLowerCase());
    expect(account.balance).toBe(5_000_000);
  });

  it("after the free bandwidth is used, TRX is burned at 1000 sun per byte", async () => {
    const key = t.accounts[3]?.privateKey as string;
    const from = t.accounts[3]?.address as string;
    const to = t.accounts[4]?.address as string;
    const tw = t.tronWeb(key);
    const infos: Info[] = [];
    for (let i = 0; i < 3; i++) {
      const sent = await tw.trx.sendTransaction(to, 1000 + i);
      expect(sent.result).toBe(true);
    }
    await t.devnet.mine(1);
    await t.solidify();
    const block = await tw.trx.getBlock(t.devnet.head() - t.lag - 1);
    for (const tx of block.transactions ?? [])
      infos.push((await tw.trx.getTransactionInfo(tx.txID)) as unknown as Info);
    expect(infos).toHaveLength(3);
    const [first, second, third] = infos as [Info, Info, Info];
    expect(first.receipt.net_usage).toBeGreaterThan(260);
    expect(second.receipt.net_usage).toBeGreaterThan(260);
    // 600 free bytes cover two transfers, the third burns bytes × 1000 sun
    expect(third.receipt.net_usage).toBeUndefined();
    expect(third.receipt.net_fee).toBe((first.receipt.net_usage ?? 0) * 1000);
    expect(third.fee).toBe(third.receipt.net_fee);
    const net = await tw.trx.getAccountResources(from);
    expect(net.freeNetLimit).toBe(600);
    // usage recovers linearly over 24 h of chain time, so a few slots later it is a little lower
    const used = (first.receipt.net_usage ?? 0) + (second.receipt.net_usage ?? 0);
    expect(net.freeNetUsed).toBeLessThanOrEqual(used);
    expect(net.freeNetUsed).toBeGreaterThan(used - 5);
  });

  it("memo via addUpdateData(txLocal) lands in raw_data.data", async () => {
    const tw = t.tronWeb(t.accounts[5]?.privateKey);
    const tx = await tw.transactionBuilder.sendTrx(
      t.accounts[6]?.address as string,
      42,
      t.accounts[5]?.address,
    );
    const withMemo = await tw.transactionBuilder.addUpdateData(tx, "airdrop round 7", "utf8", {
      txLocal: true,
    });
    const signed = await tw.trx.sign(withMemo);
    const sent = await tw.trx.sendRawTransaction(signed);
    expect(sent.result).toBe(true);
    expect(sent.txid).toBe(signed.txID);
    await t.devnet.mine(1);
    await t.solidify();
    const confirmed = await tw.trx.getConfirmedTransaction(signed.txID);
    expect(Buffer.from(String(confirmed.raw_data.data), "hex").toString("utf8")).toBe("airdrop round 7");
    expect(confirmed.raw_data_hex).toBe(signed.raw_data_hex);
  });

  it("broadcasthex accepts the protobuf bytes", async () => {
    const tw = t.tronWeb(t.accounts[7]?.privateKey);
    const tx = await tw.transactionBuilder.sendTrx(
      t.accounts[8]?.address as string,
      77,
      t.accounts[7]?.address,
    );
    const signed = await tw.trx.sign(tx);
    const raw = Buffer.from(signed.raw_data_hex, "hex");
    const sig = Buffer.from(signed.signature?.[0] as string, "hex");
    const hex = new ProtoWriter().message(1, raw).message(2, sig).finish().toString("hex");
    const reply = (await tw.trx.sendHexTransaction(hex)) as Record<string, unknown>;
    expect(reply.result).toBe(true);
    expect(reply.code).toBe("SUCCESS");
    expect(reply.txid).toBe(signed.txID);
    expect((reply.transaction as { txID: string }).txID).toBe(signed.txID);
  });
});

describe("TRC-10 transfers", () => {
  it("sendToken + sign + sendRawTransaction moves BTT; getTokenByID describes it", async () => {
    const tw = t.tronWeb(t.accounts[0]?.privateKey);
    const from = t.accounts[0]?.address as string;
    const to = t.accounts[9]?.address as string;
    const bttOf = async (a: string) => {
      const acc = await tw.trx.getAccount(a);
      return Number(acc.assetV2?.find((x) => x.key === BTT)?.value ?? 0);
    };
    const before = await bttOf(to);
    const tx = await tw.transactionBuilder.sendToken(to, 2_500_000, BTT, from);
    const signed = await tw.trx.sign(tx);
    const sent = await tw.trx.sendRawTransaction(signed);
    expect(sent.result).toBe(true);
    await t.devnet.mine(1);
    await t.solidify();
    expect(await bttOf(to)).toBe(before + 2_500_000);
    const confirmed = await tw.trx.getConfirmedTransaction(signed.txID);
    expect(confirmed.raw_data.contract[0]?.type).toBe("TransferAssetContract");
    expect(confirmed.raw_data.contract[0]?.parameter.value).toMatchObject({
      asset_name: "31303032303030",
      amount: 2_500_000,
    });

    const token = await tw.trx.getTokenByID(BTT);
    expect(token).toMatchObject({ name: "BitTorrent", abbr: "BTT", precision: 6, id: BTT });
    await expect(tw.trx.getTokenByID("1009999")).rejects.toThrow(/Token does not exist/);
  });
});

describe("blocks", () => {
  it("getBlockRange, getBlockByHash, getCurrentBlock and getConfirmedCurrentBlock agree", async () => {
    const tw = t.tronWeb();
    await t.devnet.mine(2);
    const head = t.devnet.head();
    const range = await tw.trx.getBlockRange(head - 4, head);
    expect(range.map((b) => b.block_header.raw_data.number)).toEqual([
      head - 4,
      head - 3,
      head - 2,
      head - 1,
      head,
    ]);
    for (let i = 1; i < range.length; i++) {
      expect(range[i]?.block_header.raw_data.parentHash).toBe(range[i - 1]?.blockID);
    }
    const current = await tw.trx.getCurrentBlock();
    expect(current.blockID).toBe(range[4]?.blockID);
    expect(await tw.trx.getBlockByHash(current.blockID)).toEqual(current);
    const solid = await tw.trx.getConfirmedCurrentBlock();
    expect(solid.block_header.raw_data.number).toBe(head - t.lag);
    await expect(tw.trx.getBlock(head + 1)).rejects.toThrow(/Block not found/);
  });

  it("blockID, witness signature and txTrieRoot are consistent", async () => {
    const tw = t.tronWeb();
    const sent = await tw.trx.sendTransaction(t.accounts[1]?.address as string, 1);
    const sent2 = await tw.trx.sendTransaction(t.accounts[2]?.address as string, 2);
    const sent3 = await tw.trx.sendTransaction(t.accounts[3]?.address as string, 3);
    expect([sent.result, sent2.result, sent3.result]).toEqual([true, true, true]);
    const n = await t.devnet.mine(1);
    const block = await tw.trx.getBlock(n);
    const txs = block.transactions ?? [];
    expect(txs).toHaveLength(3);
    const leaves = txs.map((tx) => {
      const ret = new ProtoWriter().varint(3, 1).finish();
      const w = new ProtoWriter().message(1, Buffer.from(tx.raw_data_hex, "hex"));
      for (const s of tx.signature ?? []) w.message(2, Buffer.from(s, "hex"));
      return sha256(Buffer.concat([w.finish(), new ProtoWriter().message(5, ret).finish()]));
    });
    expect(block.block_header.raw_data.txTrieRoot).toBe(merkleRoot(leaves).toString("hex"));
    expect(block.blockID.slice(0, 16)).toBe(n.toString(16).padStart(16, "0"));
    const empty = await tw.trx.getBlock(await t.devnet.mine(1));
    expect(empty.transactions).toBeUndefined();
    expect(empty.block_header.raw_data.txTrieRoot).toBe("0".repeat(64));
  });
});

describe("historical balances (wallet/getaccountbalance)", () => {
  it("answers the liquid balance at a past block and the block of the last change", async () => {
    const tw = t.tronWeb();
    const target = freshAccount().address;
    const targetHex = tw.address.toHex(target).toLowerCase();
    const s1 = await tw.trx.sendTransaction(target, 3_000_000);
    expect(s1.result).toBe(true);
    const h1 = await t.devnet.mine(1);
    await t.devnet.mine(3);
    const s2 = await tw.trx.sendTransaction(target, 2_000_000);
    expect(s2.result).toBe(true);
    const h2 = await t.devnet.mine(1);
    const query = async (h: number) => {
      const b = await tw.trx.getBlock(h);
      return t.post("/wallet/getaccountbalance", {
        account_identifier: { address: targetHex },
        block_identifier: { hash: b.blockID, number: h },
        visible: false,
      });
    };
    const id = async (h: number) => (await tw.trx.getBlock(h)).blockID;
    expect(await query(h1 - 1)).toEqual({
      balance: 0,
      block_identifier: { hash: await id(h1 - 1), number: h1 - 1 },
    });
    expect(await query(h1)).toEqual({
      balance: 3_000_000,
      block_identifier: { hash: await id(h1), number: h1 },
    });
    expect(await query(h1 + 2)).toEqual({
      balance: 3_000_000,
      block_identifier: { hash: await id(h1), number: h1 },
    });
    expect(await query(h2)).toEqual({
      balance: 5_000_000,
      block_identifier: { hash: await id(h2), number: h2 },
    });
    const mismatch = await t.post("/wallet/getaccountbalance", {
      account_identifier: { address: targetHex },
      block_identifier: { hash: await id(h2), number: h1 },
    });
    expect(mismatch.Error).toMatch(/number and hash do not match/);
  });
});

describe("other read endpoints", () => {
  it("getchainparameters, getnodeinfo, getblockbylatestnum, gettransactioninfobyblocknum", async () => {
    const tw = t.tronWeb();
    const params = await tw.trx.getChainParameters();
    expect(params.find((p) => p.key === "getTransactionFee")?.value).toBe(1000);
    expect(params.find((p) => p.key === "getFreeNetLimit")?.value).toBe(600);
    const node = await tw.trx.getNodeInfo();
    expect(node.configNodeInfo.codeVersion).toBe("4.8.1");
    expect(node.block).toMatch(new RegExp(`^Num:${t.devnet.head()},ID:[0-9a-f]{64}$`));

    const emptyBlock = await t.devnet.mine(1);
    const sent = await tw.trx.sendTransaction(t.accounts[1]?.address as string, 9);
    const n = await t.devnet.mine(1);
    expect(n).toBe(emptyBlock + 1);
    const latest = (await t.post("/wallet/getblockbylatestnum", { num: 2 })) as {
      block: { block_header: { raw_data: { number: number } } }[];
    };
    expect(latest.block.map((b) => b.block_header.raw_data.number)).toEqual([n - 1, n]);
    const infos = (await t.post("/wallet/gettransactioninfobyblocknum", { num: n })) as unknown as Info[];
    expect(infos.map((i) => i.id)).toEqual([sent.txid]);
    expect(await t.post("/wallet/gettransactioninfobyblocknum", { num: n - 1 })).toEqual([]);
    expect(await t.get("/healthcheck")).toMatchObject({ status: "ok" });
  });
});

describe("rendering switches", () => {
  it("visible=true answers base58 addresses and UTF-8 names; int64_as_string quotes int64", async () => {
    const a0 = t.accounts[0]?.address as string;
    const visible = await t.post("/wallet/getaccount", { address: a0, visible: true });
    expect(visible.address).toBe(a0);
    expect((visible.owner_permission as { keys: { address: string }[] }).keys[0]?.address).toBe(a0);
    const asset = await t.post("/wallet/getassetissuebyid", { value: BTT, visible: true });
    expect(asset).toMatchObject({ name: "BitTorrent", abbr: "BTT" });
    const hexForm = await t.post("/wallet/getassetissuebyid", { value: BTT });
    expect(hexForm.name).toBe(Buffer.from("BitTorrent").toString("hex"));
    // what TronWeb's trx.raw.* sends: GET with query parameters
    const raw = (await t.get("/wallet/getblock?detail=true&int64_as_string=true")) as {
      block_header: { raw_data: { number: unknown; timestamp: unknown } };
    };
    expect(raw.block_header.raw_data.number).toBe(String(t.devnet.head()));
    expect(typeof raw.block_header.raw_data.timestamp).toBe("string");
    const supply = (await t.get(`/wallet/getassetissuebyid?value=${BTT}&int64_as_string=true`)) as Record<
      string,
      unknown
    >;
    expect(supply.total_supply).toBe("990000000000000000");
    const errorReply = await t.post("/wallet/getblock", { id_or_num: "-5" });
    expect(errorReply).toEqual({
      Error: "class java.lang.IllegalArgumentException : num must be non-positive number.",
    });
  });
});
