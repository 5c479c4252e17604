import { describe, expect, it } from "vitest";
import { Chain } from "../src/chain/chain.js";
import { AccountStore, emptyAccount, holdingsOf } from "../src/chain/state.js";
import { generateGenesis } from "../src/genesis/index.js";

describe("AccountStore history", () => {
  it("keeps one version per changing block and answers any past height", () => {
    const store = new AccountStore();
    const a = `41${"ab".repeat(20)}`;
    store.seed({ ...emptyAccount(a, 0), balance: 10n }, 100);
    store.put({ ...emptyAccount(a, 0), balance: 7n }, 105);
    store.put({ ...emptyAccount(a, 0), balance: 6n }, 105); // same block: replaced, not appended
    store.put({ ...emptyAccount(a, 0), balance: 20n }, 110);
    expect(store.at(a, 99)).toBeUndefined();
    expect(store.at(a, 100)?.balance).toBe(10n);
    expect(store.at(a, 104)?.balance).toBe(10n);
    expect(store.at(a, 105)?.balance).toBe(6n);
    expect(store.at(a, 109)?.balance).toBe(6n);
    expect(store.at(a, 1_000)?.balance).toBe(20n);
    expect(store.lastChangeAt(a, 109)).toBe(105);
    expect(store.lastChangeAt(a, 104)).toBe(100);
    expect(store.latest(a)?.balance).toBe(20n);
  });
});

describe("Chain", () => {
  const genesis = generateGenesis({ seed: 4, accounts: 400, height: 6_599_900 });

  it("loads the genesis with its delegations: delegated TRX stays the delegator's", () => {
    const chain = new Chain({ genesis, solidificationLag: 19, blockStepMs: 3000 });
    expect(genesis.delegations.length).toBeGreaterThan(0);
    for (const d of genesis.delegations) {
      const from = chain.accounts.latest(d.from) ?? emptyAccount(d.from, 0);
      const to = chain.accounts.latest(d.to) ?? emptyAccount(d.to, 0);
      const out =
        d.stake === "v1"
          ? d.resource === "ENERGY"
            ? from.delegatedV1Energy
            : from.delegatedV1Bandwidth
          : d.resource === "ENERGY"
            ? from.delegatedV2Energy
            : from.delegatedV2Bandwidth;
      const acquired =
        d.stake === "v1"
          ? d.resource === "ENERGY"
            ? to.acquiredV1Energy
            : to.acquiredV1Bandwidth
          : d.resource === "ENERGY"
            ? to.acquiredV2Energy
            : to.acquiredV2Bandwidth;
      expect(out).toBeGreaterThanOrEqual(d.amount);
      expect(acquired).toBeGreaterThanOrEqual(d.amount);
    }
    // holdings = the genesis record's own TRX + its delegations out, for every account
    const delegatedOut = new Map<string, bigint>();
    for (const d of genesis.delegations)
      delegatedOut.set(d.from, (delegatedOut.get(d.from) ?? 0n) + d.amount);
    for (const ga of genesis.accounts()) {
      const own =
        ga.balance +
        (ga.frozenV1?.bandwidth?.amount ?? 0n) +
        (ga.frozenV1?.energy?.amount ?? 0n) +
        Object.values(ga.frozenV2 ?? {}).reduce((s, x) => s + (x ?? 0n), 0n) +
        (ga.unfrozenV2 ?? []).reduce((s, u) => s + u.amount, 0n);
      const state = chain.accounts.latest(ga.address);
      expect(state).toBeDefined();
      expect(holdingsOf(state as NonNullable<typeof state>).total).toBe(
        own + (delegatedOut.get(ga.address) ?? 0n),
      );
    }
  });

  it("empty blocks store only header fields and chain by parentHash", () => {
    const chain = new Chain({ genesis, solidificationLag: 5, blockStepMs: 3000 });
    const first = chain.produceBlock();
    const second = chain.produceBlock();
    expect(Object.keys(second).sort()).toEqual(["id", "number", "parentHash", "timestamp", "txTrieRoot"]);
    expect(second.parentHash).toBe(first.id);
    expect(second.txTrieRoot).toBe(first.txTrieRoot); // one shared zero root
    expect(second.timestamp - first.timestamp).toBeGreaterThanOrEqual(3000);
    expect(chain.head()).toBe(6_599_902);
    expect(chain.solidHead()).toBe(6_599_900);
    expect(chain.blockById(second.id.toString("hex"))).toBe(second);
    expect(chain.blockById(`${"00".repeat(8)}${second.id.toString("hex").slice(16)}`)).toBeUndefined();
  });
});
