import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitRewards } from "../src/domain/rewards.js";

const address = fc.constantFrom("TA", "TB", "TC", "TD", "TE", "TF");
const pair = fc.record({ payer: address, payee: address, paid: fc.bigInt({ min: 0n, max: 10n ** 15n }) });
const cap = fc.option(fc.bigInt({ min: 1n, max: 10n ** 14n }), { nil: null });

describe("splitRewards", () => {
  it("pays exactly the budget whenever anyone weighs, never more than pro rata + 1 unit", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.array(pair, { maxLength: 30 }),
        cap,
        cap,
        (budget, pairs, perPair, perPayee) => {
          const split = splitRewards(budget, pairs, { perPair, perPayee });
          const paid = [...split.payouts.values()].reduce((a, b) => a + b, 0n);
          if (split.totalWeight === 0n || budget === 0n) expect(paid).toBe(0n);
          else expect(paid).toBe(budget);
          for (const [payee, amount] of split.payouts) {
            const w = split.weights.get(payee) ?? 0n;
            const floor = (budget * w) / split.totalWeight;
            expect(amount === floor || amount === floor + 1n).toBe(true);
            if (perPayee !== null) expect(w <= perPayee).toBe(true);
          }
        },
      ),
    );
  });

  it("ignores self-payments and applies the caps before splitting", () => {
    const split = splitRewards(
      100n,
      [
        { payer: "TA", payee: "TA", paid: 1_000n },
        { payer: "TA", payee: "TB", paid: 1_000n },
        { payer: "TC", payee: "TB", paid: 1_000n },
        { payer: "TA", payee: "TC", paid: 50n },
      ],
      { perPair: 500n, perPayee: 750n },
    );
    expect([...split.weights]).toEqual([
      ["TB", 750n],
      ["TC", 50n],
    ]);
    expect(split.payouts.get("TB")! + split.payouts.get("TC")!).toBe(100n);
    expect(split.payouts.get("TB")).toBe(94n); // 93.75 → 93 + the largest remainder
  });
});
