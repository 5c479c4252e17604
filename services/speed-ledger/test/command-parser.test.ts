import { randomBytes, randomUUID } from "node:crypto";
import { buildEnvelope } from "@btt/shared/kafka";
import { afterAll, describe, expect, it } from "vitest";
import { CommandParser } from "../src/messaging/command-parser.js";
import { openChannel, party, type Signed, voucher } from "./harness.js";

// The consumer parses and verifies commands on worker threads (src/messaging/command-parser.ts);
// the worker must compute exactly what the consumer's own thread computes, for good and bad input.

const payer = party();
const payee = party();
const stranger = party();

function commandValue(signed: Signed, receivedAt = new Date()): Buffer {
  const envelope = buildEnvelope({
    topic: "speed.commands",
    key: signed.command.type === "voucher" ? signed.command.payer : payer.address,
    event: "speed.command@1",
    payload: { ...signed, receivedAt: receivedAt.toISOString() },
  });
  return Buffer.from(JSON.stringify(envelope));
}

function values(): (Buffer | null)[] {
  const open = openChannel(payer, payee, 5_000_000n);
  const channelId = open.command.id;
  const good = voucher(channelId, payer, payee, 1_000_000n);
  const wrongParty = voucher(channelId, payer, payee, 2_000_000n, stranger);
  const forged = {
    ...voucher(channelId, payer, payee, 3_000_000n),
    signature: `0x${randomBytes(65).toString("hex")}`,
  };
  const badV = { ...good, signature: `${good.signature.slice(0, 130)}07` };
  const otherEnvelope = buildEnvelope({
    topic: "speed.events",
    key: payer.address,
    event: "command.rejected@1",
    payload: {
      commandId: randomUUID(),
      commandType: "voucher",
      signer: null,
      account: payer.address,
      reason: "INVALID_SIGNATURE",
      message: "x",
      rejectedAt: new Date().toISOString(),
    },
  });
  const missingField = JSON.parse(commandValue(good).toString()) as {
    payload: { command: Record<string, unknown> };
  };
  delete missingField.payload.command.payee;
  return [
    commandValue(open),
    commandValue(good),
    commandValue(wrongParty),
    commandValue(forged),
    commandValue(badV),
    Buffer.from(JSON.stringify(otherEnvelope)),
    Buffer.from(JSON.stringify(missingField)),
    Buffer.from("not json"),
    null,
    Buffer.alloc(0),
  ];
}

const parsers: CommandParser[] = [];
afterAll(async () => {
  for (const p of parsers) await p.close();
});

describe("command parser worker", () => {
  it("gives exactly the consumer thread's results, good and bad input alike", async () => {
    const failures: Error[] = [];
    const threaded = new CommandParser(2, (e) => failures.push(e));
    const inline = new CommandParser(0);
    parsers.push(threaded, inline);
    for (let round = 0; round < 5; round += 1) {
      const input = values();
      const [fromWorker, fromThread] = await Promise.all([threaded.parse(input), inline.parse(input)]);
      expect(fromWorker).toEqual(fromThread);
      for (const r of fromWorker) if (r.ok) expect(Buffer.isBuffer(r.verified.digest)).toBe(true);
    }
    expect(threaded.liveWorkers).toBe(2);
    expect(failures).toEqual([]);

    const [open, good, wrongParty, forged, badV, other, missing, notJson, absent, empty] =
      await threaded.parse(values());
    expect(open?.ok && open.verified.signer).toBe(payer.address);
    expect(good?.ok && good.verified.signer).toBe(payer.address);
    expect(good?.ok && good.verified.requiredSigner).toBe(payer.address);
    expect(wrongParty?.ok && wrongParty.verified.signer).toBe(stranger.address);
    expect(forged?.ok && forged.verified.signer).not.toBe(payer.address);
    expect(badV?.ok && badV.verified.signer).toBeNull();
    expect(other).toEqual({ ok: false, reason: "unexpected event command.rejected@1 on speed.commands" });
    expect(missing?.ok).toBe(false);
    expect(notJson).toEqual({ ok: false, reason: "value is not JSON" });
    expect(absent).toEqual({ ok: false, reason: "empty message value" });
    expect(empty).toEqual({ ok: false, reason: "empty message value" });
  });

  it("parses on the consumer's thread once a worker dies, and says so", async () => {
    const failures: Error[] = [];
    const parser = new CommandParser(1, (e) => failures.push(e));
    parsers.push(parser);
    const input = values();
    const before = await parser.parse(input);
    await parser.workers[0]?.worker.terminate();
    expect(failures).toHaveLength(1);
    expect(parser.liveWorkers).toBe(0);
    expect(await parser.parse(input)).toEqual(before);
  });
});
