import { describe, expect, it } from "vitest";
import { SPEED_SIGNATURE_GOLDEN } from "../testing/golden.js";
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

const voucher = SPEED_SIGNATURE_GOLDEN.command;
const signature = SPEED_SIGNATURE_GOLDEN.signature;

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
      "airdrop.events",
      "airdrop.events.dlq",
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
