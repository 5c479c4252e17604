import { describe, expect, it } from "vitest";
import {
  allTopics,
  commandAccount,
  commandSigner,
  EVENT_SCHEMAS,
  EventEnvelope,
  payloadSchemaFor,
  SignedSpeedCommand,
  SpeedCommand,
  TOPICS,
} from "./index.js";

const voucher = {
  type: "voucher",
  domain: "btt-speed/v1/devnet",
  id: "0b6a3d0e-6c1f-4a53-9d0c-2f8e1a7b9c44",
  notAfter: "1795555200000",
  channelId: "9f1c2b3a-4d5e-4f60-8a7b-6c5d4e3f2a10",
  payer: "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw",
  payee: "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H",
  cumulativeAmount: "2500000",
  cumulativeBytes: "10485760",
  infohash: "c9e15763f722f23e98a29decdfae341b98d53056",
};
const signature =
  "0x7b3e7475b64c3252770706b4e1782cdaeab7ca478bec0b29d0124bbaf088c21971d77fcd7a66cbcc0a93717dfc5adcadd4d7b6b68f9e4758cb85b191db741cb21b";

describe("Speed command contracts", () => {
  it("accepts API.md's voucher and keys it by the payer", () => {
    const command = SpeedCommand.parse(voucher);
    expect(commandAccount(command)).toBe(voucher.payer);
    expect(commandSigner(command)).toBe(voucher.payer);
    expect(SignedSpeedCommand.parse({ command: voucher, signature }).signature).toBe(signature);
  });

  it("keys withdrawals by account and closes by the closing party", () => {
    const base = { domain: voucher.domain, id: voucher.id, notAfter: voucher.notAfter };
    const withdrawal = SpeedCommand.parse({
      ...base,
      type: "withdrawal.request",
      account: voucher.payee,
      amount: "5",
      to: voucher.payer,
    });
    expect(commandAccount(withdrawal)).toBe(voucher.payee);
    const close = SpeedCommand.parse({
      ...base,
      type: "channel.close",
      channelId: voucher.channelId,
      payer: voucher.payer,
      by: voucher.payee,
    });
    expect(commandAccount(close)).toBe(voucher.payer);
    expect(commandSigner(close)).toBe(voucher.payee);
  });

  it.each([
    ["a number amount", { cumulativeAmount: 2500000 }],
    ["an unknown field", { extra: "x" }],
    ["a hex address", { payer: "417564105e977516c53be337314c7e53838967bdac" }],
    ["an upper-case infohash", { infohash: voucher.infohash.toUpperCase() }],
    ["a bad domain", { domain: "speed/devnet" }],
    ["a negative amount", { cumulativeAmount: "-1" }],
    ["a leading zero", { notAfter: "01795555200000" }],
    ["an unknown type", { type: "voucher.v2" }],
  ])("rejects %s", (_what, change) => {
    expect(SpeedCommand.safeParse({ ...voucher, ...change }).success).toBe(false);
  });

  it("rejects a malformed signature", () => {
    expect(SignedSpeedCommand.safeParse({ command: voucher, signature: signature.slice(2) }).success).toBe(
      false,
    );
  });
});

describe("topic catalog and envelopes", () => {
  it("lists every topic with its dead-letter topic", () => {
    const names = allTopics().map((t) => t.name);
    expect(names).toEqual([
      "speed.commands",
      "speed.commands.dlq",
      "speed.events",
      "speed.events.dlq",
      "chain.deposits",
      "chain.deposits.dlq",
      "indexer.snapshots",
      "indexer.snapshots.dlq",
    ]);
    for (const topic of Object.values(TOPICS)) {
      for (const event of topic.events) expect(EVENT_SCHEMAS[event]).toBeDefined();
    }
  });

  it("validates payloads by type and version", () => {
    const deposit = {
      txId: "ab".repeat(32),
      from: voucher.payer,
      to: voucher.payee,
      tokenId: "1002000",
      amount: "1000000",
      blockNumber: 6_600_001,
      blockTime: "2019-02-11T00:00:03.000Z",
      memo: null,
    };
    expect(payloadSchemaFor("chain.deposit", 1)?.safeParse(deposit).success).toBe(true);
    expect(payloadSchemaFor("chain.deposit", 1)?.safeParse({ ...deposit, amount: 1 }).success).toBe(false);
    expect(payloadSchemaFor("chain.deposit", 2)).toBeUndefined();
    expect(
      EventEnvelope.safeParse({
        id: voucher.id,
        type: "chain.deposit",
        version: 1,
        occurredAt: "2026-01-01T00:00:00Z",
        payload: deposit,
      }).success,
    ).toBe(true);
  });
});
