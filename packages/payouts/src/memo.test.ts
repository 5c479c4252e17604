import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMemo, memoHex, parseMemo } from "./memo.js";

describe("memo (rule 1)", () => {
  it("is btt:<kind>:<paymentId>:<attempt>", () => {
    const memo = { kind: "airdrop", paymentId: "0b6c9f7e-4a4d-4c1b-9a57-0d0c6a6f1e2a", attempt: 3 };
    expect(formatMemo(memo)).toBe("btt:airdrop:0b6c9f7e-4a4d-4c1b-9a57-0d0c6a6f1e2a:3");
    expect(memoHex(memo)).toBe(Buffer.from(formatMemo(memo)).toString("hex"));
  });

  it("round-trips, and differs for every attempt of a payment", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 1_000_000 }), (paymentId, attempt) => {
        const memo = { kind: "withdrawal", paymentId, attempt };
        expect(parseMemo(memoHex(memo))).toEqual(memo);
        expect(memoHex(memo)).not.toBe(memoHex({ ...memo, attempt: attempt + 1 }));
      }),
    );
  });

  it("refuses what is not one", () => {
    expect(() => formatMemo({ kind: "Air:drop", paymentId: "x", attempt: 1 })).toThrow();
    expect(() =>
      formatMemo({ kind: "airdrop", paymentId: "0b6c9f7e-4a4d-4c1b-9a57-0d0c6a6f1e2a", attempt: 0 }),
    ).toThrow();
    expect(parseMemo(Buffer.from("hello").toString("hex"))).toBeNull();
    expect(parseMemo(Buffer.from("btt:airdrop:nope:1").toString("hex"))).toBeNull();
  });
});
