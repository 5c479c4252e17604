import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isProvablyExpired } from "./expiry.js";

const scan = { firstHeight: 101, solidHeight: 200, solidTimeMs: 1_000_000 };

describe("provable expiry (rule 6)", () => {
  it("needs the solidified head's time at or past the expiration", () => {
    expect(isProvablyExpired({ refBlockNum: 150, expirationMs: 1_000_001 }, scan)).toBe(false);
    expect(isProvablyExpired({ refBlockNum: 150, expirationMs: 1_000_000 }, scan)).toBe(true);
    expect(isProvablyExpired({ refBlockNum: 150, expirationMs: 999_999 }, scan)).toBe(true);
  });

  it("needs every block after the reference block scanned", () => {
    // reference 100: blocks 101… were all scanned (the scan started at 101)
    expect(isProvablyExpired({ refBlockNum: 100, expirationMs: 1 }, scan)).toBe(true);
    // reference 99: block 100 was never scanned, so the txid could sit there
    expect(isProvablyExpired({ refBlockNum: 99, expirationMs: 1 }, scan)).toBe(false);
    // reference at or past the scanned head: the blocks after it are not scanned yet
    expect(isProvablyExpired({ refBlockNum: 200, expirationMs: 1 }, scan)).toBe(false);
    expect(isProvablyExpired({ refBlockNum: 199, expirationMs: 1 }, scan)).toBe(true);
  });

  it("never holds before chain time reaches the expiration, whatever the wall clock says", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (ref, head, time, expiration) => {
          const s = { firstHeight: 1, solidHeight: head, solidTimeMs: time };
          const expired = isProvablyExpired({ refBlockNum: ref, expirationMs: expiration }, s);
          if (expired) {
            expect(time).toBeGreaterThanOrEqual(expiration);
            expect(ref).toBeLessThan(head);
          }
        },
      ),
    );
  });
});
