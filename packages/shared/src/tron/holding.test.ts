import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type AccountJson, accountHolding, HoldingError } from "./holding.js";

// The real account fixtures beside the repo (../shared/fixtures/tron), as in CI.
const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/fixtures/tron/fixtures.json",
);
const fixtures = JSON.parse(readFileSync(FIXTURES, "utf8")) as {
  accounts: { id: string; response: AccountJson }[];
};
const account = (id: string) => {
  const found = fixtures.accounts.find((a) => a.id === id);
  if (!found) throw new Error(`fixture ${id} missing`);
  return found.response;
};

describe("accountHolding on real mainnet and Nile accounts", () => {
  it("counts a Stake 1.0 energy freeze: 1,781,772 liquid + 26,000,000 frozen = 27,781,772 sun", () => {
    expect(accountHolding(account("ledger-trongrid-v1-account-stake1"))).toEqual({
      liquid: 1_781_772n,
      frozen: 26_000_000n,
      frozenV1: 26_000_000n,
      frozenV2: 0n,
      unfreezing: 0n,
      total: 27_781_772n,
    });
  });

  it("counts Stake 2.0 frozenV2 of every type, delegated-out energy and pending unfreezes", () => {
    expect(accountHolding(account("codeindex-mainnet-getaccount-TGusXhwe"))).toEqual({
      liquid: 165_156_556n,
      frozen: 5_041_000_000n + 3_715_447_850n + 3_552_150n,
      frozenV1: 0n,
      frozenV2: 5_041_000_000n + 3_715_447_850n + 3_552_150n,
      unfreezing: 1_000_000n,
      total: 165_156_556n + 8_760_000_000n + 1_000_000n,
    });
  });

  it("counts delegated-out TRX but not TRX acquired from others", () => {
    expect(accountHolding(account("gotron-getaccount-TZ4UXDV5-trimmed"))).toEqual({
      liquid: 123_456n,
      frozen: 5_000_000n,
      frozenV1: 0n,
      frozenV2: 5_000_000n,
      unfreezing: 0n,
      total: 5_123_456n,
    });
  });

  it("ignores allowance (unclaimed rewards) and the empty frozenV2 entries java-tron prints", () => {
    expect(accountHolding(account("blockatlas-trongrid-v1-account-TFFriedw")).total).toBe(278_720_000n);
    expect(accountHolding(account("docs-nile-getaccount-41dd791d")).total).toBe(1_793_227_200n);
  });

  it("reads Stake 1.0 bandwidth freezes, delegated v1, TRON power and int64 strings exactly", () => {
    const holding = accountHolding({
      balance: "9007199254740993",
      frozen: [{ frozen_balance: 5 }, { frozen_balance: "7" }],
      delegated_frozen_balance_for_bandwidth: 11,
      tron_power: { frozen_balance: 13 },
      account_resource: { delegated_frozen_balance_for_energy: 17 },
      delegated_frozenV2_balance_for_bandwidth: 19,
    });
    expect(holding).toEqual({
      liquid: 9_007_199_254_740_993n,
      frozen: 72n,
      frozenV1: 5n + 7n + 11n + 13n + 17n,
      frozenV2: 19n,
      unfreezing: 0n,
      total: 9_007_199_254_741_065n,
    });
    expect(accountHolding({})).toEqual({
      liquid: 0n,
      frozen: 0n,
      frozenV1: 0n,
      frozenV2: 0n,
      unfreezing: 0n,
      total: 0n,
    });
  });

  it("fails closed on an int64 that JSON could not carry exactly, or a negative component", () => {
    expect(() => accountHolding({ balance: 2 ** 60 })).toThrow(HoldingError);
    expect(() => accountHolding({ balance: "12x" })).toThrow(/not an integer/);
    expect(() => accountHolding({ balance: -1 })).toThrow(/negative/);
  });
});
