import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { TronWeb } from "tronweb";
import { describe, expect, it } from "vitest";
import { encodeBase58Address } from "./address.js";
import { memoHex } from "./memo.js";
import { privateKeySigner } from "./signer.js";
import { buildTransferAsset, transactionIdOf } from "./transaction.js";

// No node is reached: the block header is given and addUpdateData runs with txLocal.
const tronWeb = new TronWeb({ fullHost: "http://127.0.0.1:9" });

const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => Buffer.concat([Buffer.from([0x41]), b]));
const blockId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex"));

async function tronWebBuild(input: Parameters<typeof buildTransferAsset>[0]) {
  const tx = await tronWeb.transactionBuilder.sendToken(
    encodeBase58Address(input.to),
    Number(input.amount),
    input.tokenId,
    encodeBase58Address(input.owner),
    {
      blockHeader: {
        ref_block_bytes: input.reference.id.slice(12, 16),
        ref_block_hash: input.reference.id.slice(16, 32),
        expiration: input.reference.timestampMs + input.expirationMs,
        timestamp: input.reference.timestampMs,
      },
    } as never,
  );
  return tronWeb.transactionBuilder.addUpdateData(
    tx,
    Buffer.from(input.dataHex, "hex").toString("utf8"),
    "utf8",
    {
      txLocal: true,
    },
  );
}

describe("buildTransferAsset", () => {
  it("produces TronWeb's bytes and txID (sendToken + addUpdateData, txLocal)", async () => {
    await fc.assert(
      fc.asyncProperty(
        address,
        address,
        fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
        fc.uuid({ version: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        blockId,
        fc.integer({ min: 1_500_000_000_000, max: 2_500_000_000_000 }),
        fc.integer({ min: 3_000, max: 600_000 }),
        async (owner, to, amount, paymentId, attempt, id, timestampMs, expirationMs) => {
          fc.pre(!owner.equals(to));
          const input = {
            owner,
            to,
            tokenId: "1002000",
            amount,
            dataHex: memoHex({ kind: "airdrop", paymentId, attempt }),
            reference: { number: 1, id, timestampMs },
            expirationMs,
          };
          const ours = buildTransferAsset(input);
          const theirs = await tronWebBuild(input);
          expect(ours.raw_data_hex).toBe(theirs.raw_data_hex);
          expect(ours.txID).toBe(theirs.txID);
          expect(ours.raw_data).toEqual(theirs.raw_data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps amounts above 2^53 exact (bigint in the JSON, varint in the bytes)", () => {
    const amount = 900_000_000_000_000_001n;
    const tx = buildTransferAsset({
      owner: Buffer.concat([Buffer.from([0x41]), randomBytes(20)]),
      to: Buffer.concat([Buffer.from([0x41]), randomBytes(20)]),
      tokenId: "1002000",
      amount,
      dataHex: "00",
      reference: { number: 5, id: "ab".repeat(32), timestampMs: 1_700_000_000_000 },
      expirationMs: 60_000,
    });
    expect(tx.raw_data.contract[0].parameter.value.amount).toBe(amount);
    expect(tx.raw_data_hex).toContain(`20${varint(amount)}`);
    expect(transactionIdOf(tx.raw_data_hex)).toBe(tx.txID);
  });

  it("signs exactly as TronWeb's trx.sign does", async () => {
    const key = randomBytes(32).toString("hex");
    const signer = privateKeySigner(key);
    for (let i = 0; i < 5; i++) {
      const tx = buildTransferAsset({
        owner: Buffer.from(TronWeb.address.toHex(signer.address), "hex"),
        to: Buffer.concat([Buffer.from([0x41]), randomBytes(20)]),
        tokenId: "1002000",
        amount: BigInt(1 + i),
        dataHex: memoHex({ kind: "airdrop", paymentId: crypto.randomUUID(), attempt: 1 }),
        reference: { number: 5, id: randomBytes(32).toString("hex"), timestampMs: 1_700_000_000_000 },
        expirationMs: 60_000,
      });
      const ours = await signer.sign(tx);
      const theirs = await tronWeb.trx.sign(structuredClone(tx) as never, key);
      expect(ours.signature).toEqual((theirs as { signature: string[] }).signature);
    }
    expect(signer.address).toBe(TronWeb.address.fromPrivateKey(key));
  });
});

function varint(value: bigint): string {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out).toString("hex");
}
