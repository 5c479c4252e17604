import fc from "fast-check";
import { TronWeb, utils } from "tronweb";
import { describe, expect, it } from "vitest";
import { hexToBase58Check } from "../src/protocol/base58.js";
import { decodeContractValue, encodeContractValue } from "../src/protocol/contracts.js";
import { parseJsonBody, stringifyJson } from "../src/protocol/json.js";
import { decodeRaw, encodeRaw, parseTransactionJson } from "../src/protocol/transaction.js";

describe("protocol codec", () => {
  it("int64 amounts above 2^53 survive decode/encode (BTT supply scale)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }), (amount) => {
        const value = {
          asset_name: Buffer.from("1002000"),
          owner_address: `41${"11".repeat(20)}`,
          to_address: `41${"22".repeat(20)}`,
          amount,
        };
        const bytes = encodeContractValue("TransferAssetContract", value);
        expect(decodeContractValue("TransferAssetContract", bytes)).toEqual(value);
      }),
    );
  });

  it("JSON bodies keep 16+ digit integers exact, and output prints bigint exactly", () => {
    const body = parseJsonBody('{"amount": 990000000000000001, "small": 5, "hex": "0a02"}') as Record<
      string,
      unknown
    >;
    expect(body).toEqual({ amount: "990000000000000001", small: 5, hex: "0a02" });
    expect(stringifyJson({ total_supply: 990000000000000001n, n: 1 })).toBe(
      '{"total_supply":990000000000000001,"n":1}',
    );
    expect(stringifyJson({ total_supply: 990000000000000001n }, true)).toBe(
      '{"total_supply":"990000000000000001"}',
    );
  });

  it("base58check agrees with TronWeb", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (body) => {
        const hex = `41${Buffer.from(body).toString("hex")}`;
        expect(hexToBase58Check(hex)).toBe(TronWeb.address.fromHex(hex));
      }),
      { numRuns: 200 },
    );
  });

  it("re-encodes TronWeb-built transactions of every supported contract byte for byte", async () => {
    const tw = new TronWeb({ fullHost: "http://127.0.0.1:1" });
    const a = "TUoHaVjx7n5xz8LwPRDckgFrDWhMhuSuJM";
    const b = "TUznHJfHe6gdYY7gvWmf6bNZHuPHDZtowf";
    const blockHeader = {
      ref_block_bytes: "cbc3",
      ref_block_hash: "8581ae7e29258a52",
      expiration: 1656939118171,
      timestamp: 1656917518232,
    };
    const o = { blockHeader };
    const txs = [
      await tw.transactionBuilder.sendTrx(b, 1_000_000, a, o),
      await tw.transactionBuilder.sendToken(b, 123, "1002000", a, o),
      await tw.transactionBuilder.freezeBalance(5_000_000, 3, "ENERGY", a, b, o),
      await tw.transactionBuilder.unfreezeBalance("BANDWIDTH", a, b, o),
      await tw.transactionBuilder.freezeBalanceV2(5_000_000, "ENERGY", a, o),
      await tw.transactionBuilder.unfreezeBalanceV2(5_000_000, "ENERGY", a, o),
      await tw.transactionBuilder.withdrawExpireUnfreeze(a, o),
      await tw.transactionBuilder.cancelUnfreezeBalanceV2(a, o),
      await tw.transactionBuilder.delegateResource(5_000_000, b, "ENERGY", a, true, 1200, o),
      await tw.transactionBuilder.undelegateResource(5_000_000, b, "BANDWIDTH", a, o),
    ];
    for (const tx of txs) {
      const withMemo = await tw.transactionBuilder.addUpdateData(tx, "memo ✓", "utf8", { txLocal: true });
      for (const t of [tx, withMemo]) {
        const rebuilt = parseTransactionJson(t as unknown as Record<string, unknown>);
        expect(rebuilt.rawBytes.toString("hex"), t.raw_data.contract[0]?.type).toBe(t.raw_data_hex);
        expect(rebuilt.txId.toString("hex")).toBe(t.txID);
        expect(encodeRaw(decodeRaw(rebuilt.rawBytes)).toString("hex")).toBe(t.raw_data_hex);
        const twDecoded = utils.deserializeTx.deserializeTransaction(
          t.raw_data.contract[0]?.type as string,
          t.raw_data_hex,
        );
        expect(String(twDecoded.ref_block_hash).toLowerCase()).toBe(blockHeader.ref_block_hash);
      }
    }
  });
});
