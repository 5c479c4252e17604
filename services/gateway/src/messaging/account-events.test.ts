import type { EventEnvelope } from "@btt/shared/events";
import { describe, expect, it } from "vitest";
import { AccountEventHub, accountsOf, type EventSink, sseFrame } from "./account-events.js";

const A = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const B = "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H";
const C = "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw";

function envelope(type: string, payload: unknown): EventEnvelope {
  return {
    id: "7d4f1c2a-9b3e-4e5f-8a6b-1c2d3e4f5a6b",
    type,
    version: 1,
    occurredAt: "2031-01-01T00:00:00.000Z",
    payload,
  };
}

/** A sink that records frames and can be told to refuse them. */
function recorder(accepts = true) {
  const frames: string[] = [];
  const closed: boolean[] = [];
  const sink: EventSink = {
    write: (frame) => {
      if (!accepts) return false;
      frames.push(frame);
      return true;
    },
    close: (graceful) => closed.push(graceful),
  };
  return { sink, frames, closed };
}

describe("accountsOf", () => {
  it("names the key, payload.account and every effect's account, once each", () => {
    const payload = {
      account: A,
      effects: [
        { account: A, kind: "voucher", amount: "-5" },
        { account: B, kind: "voucher", amount: "5" },
      ],
    };
    expect([...accountsOf(A, payload)]).toEqual([A, B]);
    expect([...accountsOf(C, { account: null, reason: "EXPIRED" })]).toEqual([C]);
    expect([...accountsOf(null, { account: B })]).toEqual([B]);
    expect([...accountsOf(null, "not an object")]).toEqual([]);
    expect([...accountsOf(null, { effects: [null, { account: 5 }, { account: C }] })]).toEqual([C]);
  });
});

describe("sseFrame", () => {
  it("is id, event and the whole envelope as one data line", () => {
    const event = envelope("balance.changed", { account: A, cause: "line one\nline two\r\n" });
    const frame = sseFrame(event);
    const [id, type, data, ...rest] = frame.split("\n");
    expect(id).toBe(`id: ${event.id}`);
    expect(type).toBe("event: balance.changed");
    expect(JSON.parse(data?.slice("data: ".length) ?? "")).toEqual(event);
    expect(rest).toEqual(["", ""]);
  });
});

describe("AccountEventHub", () => {
  it("delivers an event once to each stream of each account it concerns, and to no other", () => {
    const hub = new AccountEventHub({ maxPerAccount: 4, maxTotal: 10 });
    const [a1, a2, b, c] = [recorder(), recorder(), recorder(), recorder()];
    hub.subscribe(A, a1.sink);
    hub.subscribe(A, a2.sink);
    hub.subscribe(B, b.sink);
    hub.subscribe(C, c.sink);
    const event = envelope("command.accepted", {
      account: A,
      effects: [
        { account: A, kind: "voucher", amount: "-5" },
        { account: B, kind: "voucher", amount: "5" },
      ],
    });
    expect(hub.publish({ key: A, envelope: event })).toBe(3);
    for (const r of [a1, a2, b]) expect(r.frames).toEqual([sseFrame(event)]);
    expect(c.frames).toEqual([]);
  });

  it("refuses a stream past the per-account or the total limit, with a retry hint", () => {
    const hub = new AccountEventHub({ maxPerAccount: 2, maxTotal: 3 });
    hub.subscribe(A, recorder().sink);
    const removeSecond = hub.subscribe(A, recorder().sink);
    expect(() => hub.subscribe(A, recorder().sink)).toThrow(
      expect.objectContaining({ code: "UNAVAILABLE", retryAfterSeconds: 10 }),
    );
    hub.subscribe(B, recorder().sink);
    expect(() => hub.subscribe(C, recorder().sink)).toThrow(/too many event streams are open on this/);
    removeSecond();
    removeSecond(); // idempotent: counts stay right
    expect(hub.size()).toBe(2);
    hub.subscribe(C, recorder().sink);
    expect([hub.size(), hub.size(A), hub.size(B), hub.size(C)]).toEqual([3, 1, 1, 1]);
  });

  it("drops (and closes, not gracefully) a stream that cannot take a frame; the others go on", () => {
    const hub = new AccountEventHub({ maxPerAccount: 4, maxTotal: 10 });
    const slow = recorder(false);
    const fast = recorder();
    hub.subscribe(A, slow.sink);
    hub.subscribe(A, fast.sink);
    hub.publish({ key: A, envelope: envelope("balance.changed", { account: A }) });
    expect(slow.closed).toEqual([false]);
    expect(hub.size(A)).toBe(1);
    hub.publish({ key: A, envelope: envelope("balance.changed", { account: A }) });
    expect(fast.frames).toHaveLength(2);
    expect(slow.closed).toEqual([false]);
    expect(hub.send(A, fast.sink, ": heartbeat\n\n")).toBe(true);
    expect(hub.send(A, slow.sink, ": heartbeat\n\n")).toBe(false);
  });

  it("treats a sink that throws as one that cannot keep up", () => {
    const hub = new AccountEventHub({ maxPerAccount: 4, maxTotal: 10 });
    const closed: boolean[] = [];
    hub.subscribe(A, {
      write: () => {
        throw new Error("socket gone");
      },
      close: (graceful) => closed.push(graceful),
    });
    expect(hub.publish({ key: A, envelope: envelope("balance.changed", { account: A }) })).toBe(0);
    expect(closed).toEqual([false]);
    expect(hub.size()).toBe(0);
  });

  it("ends every stream gracefully on closeAll and refuses new ones", () => {
    const hub = new AccountEventHub({ maxPerAccount: 4, maxTotal: 10 });
    const [a, b] = [recorder(), recorder()];
    hub.subscribe(A, a.sink);
    hub.subscribe(B, b.sink);
    hub.closeAll();
    expect([a.closed, b.closed]).toEqual([[true], [true]]);
    expect(hub.size()).toBe(0);
    expect(() => hub.subscribe(A, recorder().sink)).toThrow(/shutting down/);
  });
});
