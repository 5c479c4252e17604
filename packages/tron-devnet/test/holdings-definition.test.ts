import { type AccountJson, accountHolding } from "@btt/shared/tron";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateGenesis } from "../src/genesis/index.js";
import { type Devnet, startDevnet } from "../src/index.js";

/**
 * The devnet's holdings oracle and the indexer share one definition of a holding
 * (TOKENOMICS.md, @btt/shared/tron `accountHolding`): for every account of a population with
 * Stake 1.0, Stake 2.0, delegations and pending unfreezes, the oracle's row equals the holding
 * read from that account's `walletsolidity/getaccount` answer.
 */
let devnet: Devnet;
beforeAll(async () => {
  const genesis = generateGenesis({ seed: 5, accounts: 400, height: 1_000 });
  devnet = await startDevnet({ port: 0, genesis, blockTimeMs: 0, solidificationLag: 1 });
  await devnet.mine(3);
});
afterAll(async () => {
  await devnet?.stop();
});

describe("the holdings oracle shares the holding definition", () => {
  it("agrees with accountHolding(getaccount) for every account", async () => {
    const height = devnet.solidHead();
    const text = await (await fetch(`${devnet.url}/devnet/holdings?height=${height}`)).text();
    const rows = text
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as {
            address: string;
            liquid: string;
            frozen: string;
            unfreezing: string;
            total: string;
          },
      );
    expect(rows.length).toBeGreaterThan(300);
    let withFrozen = 0;
    let withUnfreezing = 0;
    const answers = await Promise.all(
      rows.map(async (row) => {
        const response = await fetch(`${devnet.url}/walletsolidity/getaccount`, {
          method: "POST",
          body: JSON.stringify({ address: row.address, visible: true, int64_as_string: true }),
        });
        return (await response.json()) as AccountJson;
      }),
    );
    for (const [i, row] of rows.entries()) {
      const holding = accountHolding(answers[i] as AccountJson);
      const { frozenV1, frozenV2, ...summed } = holding;
      expect(frozenV1 + frozenV2).toBe(holding.frozen);
      expect({ address: row.address, ...summed }).toEqual({
        address: row.address,
        liquid: BigInt(row.liquid),
        frozen: BigInt(row.frozen),
        unfreezing: BigInt(row.unfreezing),
        total: BigInt(row.total),
      });
      if (holding.frozen > 0n) withFrozen += 1;
      if (holding.unfreezing > 0n) withUnfreezing += 1;
    }
    // The comparison covered the interesting cases, not only liquid balances.
    expect(withFrozen).toBeGreaterThan(30);
    expect(withUnfreezing).toBeGreaterThan(5);
  }, 120_000);
});
