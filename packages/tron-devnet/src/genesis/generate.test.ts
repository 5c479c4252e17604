import { createHash } from "node:crypto";
import { TronWeb } from "tronweb";
import { beforeAll, describe, expect, test } from "vitest";
import {
  accountToJson,
  BTT_ASSET_ID,
  BTT_TOTAL_SUPPLY,
  DEVELOPMENT_ACCOUNT_BALANCE,
  defaultGenesisTimestamp,
  type Genesis,
  type GenesisAccount,
  generateGenesis,
  populationAddress,
} from "./index.js";

const DAY = 86_400_000;
const TRX = 1_000_000n;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function firstAccounts(genesis: Genesis, n: number): GenesisAccount[] {
  const out: GenesisAccount[] = [];
  for (const account of genesis.accounts()) {
    if (out.length === n) break;
    out.push(account);
  }
  return out;
}

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${v}n` : v));
}

describe("determinism", () => {
  test("the same seed gives identical accounts, delegations, keys and asset", () => {
    const a = generateGenesis({ seed: 7, accounts: 5_000 });
    const b = generateGenesis({ seed: 7, accounts: 5_000 });
    expect(json(firstAccounts(a, 1_000))).toBe(json(firstAccounts(b, 1_000)));
    expect(json(a.delegations)).toBe(json(b.delegations));
    expect(a.delegations.length).toBeGreaterThan(50);
    expect(a.witness).toEqual(b.witness);
    expect(a.developmentAccounts).toEqual(b.developmentAccounts);
    expect(json(a.assets)).toBe(json(b.assets));
  });

  test("accounts() can be iterated repeatedly with identical results", () => {
    const g = generateGenesis({ seed: 3, accounts: 3_000 });
    const first = json([...g.accounts()]);
    const second = json([...g.accounts()]);
    expect(second).toBe(first);
    // a fresh iterator per call, not a shared one
    const i1 = g.accounts()[Symbol.iterator]();
    const i2 = g.accounts()[Symbol.iterator]();
    expect(i1.next().value).toEqual(i2.next().value);
    expect(i1.next().value).toEqual(i2.next().value);
  });

  test("the output is pinned: seed 7 always gives these bytes", () => {
    const g = generateGenesis({ seed: 7, accounts: 2_000 });
    const accountsJson = firstAccounts(g, 1_000)
      .map((a) => JSON.stringify(accountToJson(a)))
      .join("\n");
    expect(g.witness.address).toBe(PINNED.witness);
    expect(g.developmentAccounts[0]?.base58).toBe(PINNED.distributor);
    expect(sha256Hex(accountsJson)).toBe(PINNED.accounts);
    expect(sha256Hex(json(g.delegations))).toBe(PINNED.delegations);
  });

  test("another seed gives different keys, addresses and balances", () => {
    const a = generateGenesis({ seed: 7, accounts: 2_000 });
    const b = generateGenesis({ seed: 8, accounts: 2_000 });
    expect(b.witness.privateKey).not.toBe(a.witness.privateKey);
    expect(b.developmentAccounts[0]?.address).not.toBe(a.developmentAccounts[0]?.address);
    const pa = firstAccounts(a, 1_000).slice(10);
    const pb = firstAccounts(b, 1_000).slice(10);
    expect(pb.filter((x, i) => x.address === pa[i]?.address)).toHaveLength(0);
    expect(pb.filter((x, i) => x.balance === pa[i]?.balance).length).toBeLessThan(100);
    expect(json(b.delegations)).not.toBe(json(a.delegations));
  });
});

describe("development accounts, witness and BTT", () => {
  const genesis = generateGenesis({ seed: 7, accounts: 1_000 });
  const accounts = [...genesis.accounts()];

  test("ten development accounts with keys sha256(btt-devnet/dev/<seed>/<i>) and TronWeb addresses", () => {
    expect(genesis.developmentAccounts).toHaveLength(10);
    genesis.developmentAccounts.forEach((dev, i) => {
      expect(dev.privateKey).toBe(sha256Hex(`btt-devnet/dev/7/${i}`));
      const base58 = TronWeb.address.fromPrivateKey(dev.privateKey);
      expect(dev.base58).toBe(base58);
      expect(dev.address).toBe(TronWeb.address.toHex(base58 as string).toLowerCase());
      expect(dev.address).toMatch(/^41[0-9a-f]{40}$/);
    });
  });

  test("the witness key is sha256(btt-devnet/witness/<seed>)", () => {
    expect(genesis.witness.privateKey).toBe(sha256Hex("btt-devnet/witness/7"));
    expect(genesis.witness.base58).toBe(TronWeb.address.fromPrivateKey(genesis.witness.privateKey));
    expect(genesis.witness.address).toBe(TronWeb.address.toHex(genesis.witness.base58).toLowerCase());
  });

  test("the first ten accounts are the development accounts, 1,000,000 TRX liquid each", () => {
    expect(accounts.slice(0, 10).map((a) => a.address)).toEqual(
      genesis.developmentAccounts.map((d) => d.address),
    );
    for (const account of accounts.slice(0, 10)) {
      expect(account.balance).toBe(1_000_000n * TRX);
      expect(account.frozenV1).toBeUndefined();
      expect(account.frozenV2).toBeUndefined();
      expect(account.unfrozenV2).toBeUndefined();
    }
    expect(DEVELOPMENT_ACCOUNT_BALANCE).toBe(1_000_000_000_000n);
    for (const account of accounts.slice(1, 10)) expect(account.assets).toBeUndefined();
  });

  test("the BTT asset has the mainnet facts and the distributor as owner", () => {
    expect(genesis.assets).toEqual([
      {
        id: "1002000",
        owner: genesis.developmentAccounts[0]?.address,
        name: "BitTorrent",
        abbr: "BTT",
        precision: 6,
        totalSupply: 990_000_000_000_000_000n,
        description: "Official Token of BitTorrent Protocol",
        url: "www.bittorrent.com",
        startTime: 1548000000000,
        endTime: 1548000001000,
      },
    ]);
  });

  test("BTT balances sum exactly to the total supply; the distributor holds the rest", () => {
    let sum = 0n;
    let others = 0n;
    let holders = 0;
    for (const account of accounts) {
      const btt = account.assets?.[BTT_ASSET_ID];
      if (btt === undefined) continue;
      expect(Object.keys(account.assets ?? {})).toEqual([BTT_ASSET_ID]);
      sum += btt;
      holders += 1;
      if (account.address !== genesis.developmentAccounts[0]?.address) {
        others += btt;
        expect(btt).toBeGreaterThan(0n);
        expect(btt).toBeLessThan(10n ** 6n * 10n ** 6n); // small: < 1,000,000 BTT
      }
    }
    expect(sum).toBe(BTT_TOTAL_SUPPLY);
    expect(holders).toBeGreaterThan(1);
    expect(others).toBeGreaterThan(0n);
    expect(accounts[0]?.assets?.[BTT_ASSET_ID]).toBe(BTT_TOTAL_SUPPLY - others);
  });

  test("height and timestamp: defaults and overrides", () => {
    expect(genesis.height).toBe(0);
    expect(genesis.timestamp).toBe(1548000000000);
    const at = generateGenesis({ accounts: 10, height: 6_599_990 });
    expect(at.height).toBe(6_599_990);
    expect(at.timestamp).toBe(defaultGenesisTimestamp(6_599_990));
    expect(at.timestamp).toBe(1548000000000 + 6_599_990 * 3000);
    expect(generateGenesis({ accounts: 10, height: 5, timestamp: 1_600_000_000_000 }).timestamp).toBe(
      1_600_000_000_000,
    );
  });

  test("defaults: seed 7 and 1000 accounts", () => {
    const d = generateGenesis();
    expect(d.accountCount).toBe(1000);
    expect(d.witness).toEqual(genesis.witness);
    expect([...d.accounts()]).toHaveLength(1000);
  });
});

describe("small and invalid populations", () => {
  test("accounts = 10: only the development accounts; the distributor holds all BTT", () => {
    const g = generateGenesis({ accounts: 10 });
    const all = [...g.accounts()];
    expect(g.accountCount).toBe(10);
    expect(all).toHaveLength(10);
    expect(g.delegations).toEqual([]);
    expect(all[0]?.assets).toEqual({ [BTT_ASSET_ID]: BTT_TOTAL_SUPPLY });
  });

  test("tiny populations still yield accountCount accounts and whales where possible", () => {
    for (const n of [11, 12, 15, 16, 40]) {
      const g = generateGenesis({ accounts: n, seed: n });
      const all = [...g.accounts()];
      expect(all).toHaveLength(n);
      expect(all.filter((a) => a.name?.startsWith("whale-"))).toHaveLength(Math.min(5, n - 10));
      expect(new Set(all.map((a) => a.address)).size).toBe(n);
    }
  });

  test("invalid options are rejected with a message naming the option", () => {
    expect(() => generateGenesis({ accounts: 9 })).toThrow(/accounts must be an integer ≥ 10, got 9/);
    expect(() => generateGenesis({ accounts: 10.5 })).toThrow(/accounts/);
    expect(() => generateGenesis({ height: -1 })).toThrow(/height must be an integer ≥ 0/);
    expect(() => generateGenesis({ seed: Number.NaN })).toThrow(/seed/);
    expect(() => generateGenesis({ timestamp: 1.5 })).toThrow(/timestamp/);
  });
});

describe("the population on 20,000 accounts", () => {
  const N = 20_000;
  let genesis: Genesis;
  let all: GenesisAccount[];
  let population: GenesisAccount[];
  beforeAll(() => {
    genesis = generateGenesis({ seed: 11, accounts: N });
    all = [...genesis.accounts()];
    population = all.slice(10);
  });
  const share = (predicate: (a: GenesisAccount) => boolean) =>
    population.filter(predicate).length / population.length;

  test("accountCount is the number of accounts yielded; addresses are unique hex and derived cheaply", () => {
    expect(genesis.accountCount).toBe(N);
    expect(all).toHaveLength(N);
    const addresses = new Set(all.map((a) => a.address));
    addresses.add(genesis.witness.address);
    expect(addresses.size).toBe(N + 1);
    for (const a of all) expect(a.address).toMatch(/^41[0-9a-f]{40}$/);
    expect(population[0]?.address).toBe(`41${sha256Hex("btt-devnet/pop/11/0").slice(0, 40)}`);
    expect(population[1234]?.address).toBe(populationAddress(11, 1234));
  });

  test("every amount is a non-negative bigint; times are integers", () => {
    const amounts: bigint[] = [];
    const times: number[] = [];
    for (const a of all) {
      amounts.push(a.balance);
      if (a.frozenV1?.bandwidth) {
        amounts.push(a.frozenV1.bandwidth.amount);
        times.push(a.frozenV1.bandwidth.expireTime);
      }
      if (a.frozenV1?.energy) {
        amounts.push(a.frozenV1.energy.amount);
        times.push(a.frozenV1.energy.expireTime);
      }
      for (const v of Object.values(a.frozenV2 ?? {})) amounts.push(v);
      for (const u of a.unfrozenV2 ?? []) {
        amounts.push(u.amount);
        times.push(u.expireTime);
      }
      for (const v of Object.values(a.assets ?? {})) amounts.push(v);
    }
    expect(amounts.length).toBeGreaterThan(N);
    for (const v of amounts) {
      expect(typeof v).toBe("bigint");
      expect(v >= 0n).toBe(true);
    }
    for (const t of times) expect(Number.isSafeInteger(t) && t >= 0).toBe(true);
  });

  test("a heavy tail: most hold 1–10,000 TRX, some ≥ 100,000 TRX, balances with sun remainders", () => {
    const nonZero = population.filter((a) => a.balance > 0n);
    const mid = nonZero.filter((a) => a.balance >= TRX && a.balance < 10_000n * TRX).length / nonZero.length;
    expect(mid).toBeGreaterThan(0.7);
    expect(mid).toBeLessThan(0.95);
    const rich = population.filter(
      (a) => a.balance >= 100_000n * TRX && !a.name?.startsWith("whale-"),
    ).length;
    expect(rich).toBeGreaterThan(100);
    expect(rich).toBeLessThan(2000);
    expect(population.filter((a) => a.balance > 0n && a.balance < TRX).length).toBeGreaterThan(100);
    expect(population.filter((a) => a.balance % TRX !== 0n).length).toBeGreaterThan(N / 2);
  });

  test("exactly five named whales with 10^8–10^9 TRX, the largest balances", () => {
    const whales = population.filter((a) => a.name?.startsWith("whale-"));
    expect(whales.map((w) => w.name).sort()).toEqual(["whale-0", "whale-1", "whale-2", "whale-3", "whale-4"]);
    for (const w of whales) {
      expect(w.balance).toBeGreaterThanOrEqual(10n ** 8n * TRX);
      expect(w.balance).toBeLessThan(10n ** 9n * TRX);
    }
    const others = population.filter((a) => !a.name?.startsWith("whale-"));
    expect(others.filter((a) => a.balance >= 10n ** 8n * TRX)).toEqual([]);
    expect(others.some((a) => a.balance >= 10n ** 6n * TRX)).toBe(true);
  });

  test("zero-balance accounts exist and are empty", () => {
    const zero = population.filter((a) => a.balance === 0n);
    expect(zero.length / population.length).toBeGreaterThan(0.01);
    expect(zero.length / population.length).toBeLessThan(0.06);
    for (const a of zero) expect(Object.keys(a).sort()).toEqual(["address", "balance"]);
    const delegators = new Set(genesis.delegations.map((d) => d.from));
    for (const a of zero) expect(delegators.has(a.address)).toBe(false);
  });

  test("~15% Stake 1.0 freezes, with expiry both before and after genesis", () => {
    const s = share((a) => a.frozenV1 !== undefined);
    expect(s).toBeGreaterThan(0.1);
    expect(s).toBeLessThan(0.2);
    const entries = population.flatMap((a) =>
      [a.frozenV1?.bandwidth, a.frozenV1?.energy].filter((e) => e !== undefined),
    );
    expect(entries.some((e) => e.expireTime < genesis.timestamp)).toBe(true);
    expect(entries.some((e) => e.expireTime > genesis.timestamp)).toBe(true);
    for (const e of entries) expect(e.amount).toBeGreaterThanOrEqual(TRX);
    expect(population.some((a) => a.frozenV1?.bandwidth && a.frozenV1.energy)).toBe(true);
    expect(population.some((a) => a.frozenV1?.bandwidth && !a.frozenV1.energy)).toBe(true);
    expect(population.some((a) => !a.frozenV1?.bandwidth && a.frozenV1?.energy)).toBe(true);
  });

  test("~20% Stake 2.0 frozenV2 of all three types, never empty, amounts > 0", () => {
    const s = share((a) => a.frozenV2 !== undefined);
    expect(s).toBeGreaterThan(0.15);
    expect(s).toBeLessThan(0.25);
    const types = new Set<string>();
    for (const a of population) {
      if (a.frozenV2 === undefined) continue;
      const entries = Object.entries(a.frozenV2);
      expect(entries.length).toBeGreaterThan(0);
      for (const [type, value] of entries) {
        types.add(type);
        expect(value).toBeGreaterThan(0n);
      }
    }
    expect([...types].sort()).toEqual(["BANDWIDTH", "ENERGY", "TRON_POWER"]);
  });

  test("~5% pending unfrozenV2, expiring within 14 days after genesis, some already expired", () => {
    const s = share((a) => a.unfrozenV2 !== undefined);
    expect(s).toBeGreaterThan(0.03);
    expect(s).toBeLessThan(0.07);
    const entries = population.flatMap((a) => a.unfrozenV2 ?? []);
    for (const u of entries) {
      expect(u.expireTime).toBeLessThanOrEqual(genesis.timestamp + 14 * DAY);
      expect(u.expireTime).toBeGreaterThan(genesis.timestamp - 14 * DAY);
      expect(u.amount).toBeGreaterThan(0n);
    }
    const expired = entries.filter((u) => u.expireTime <= genesis.timestamp).length;
    expect(expired).toBeGreaterThan(0);
    expect(expired).toBeLessThan(entries.length / 2);
  });

  test("~1% hold small BTT balances", () => {
    const s = share((a) => a.assets !== undefined);
    expect(s).toBeGreaterThan(0.004);
    expect(s).toBeLessThan(0.02);
  });

  test("~3% delegate (v1 and v2, both resources) to other existing population accounts", () => {
    const populationAddresses = new Set(population.map((a) => a.address));
    const devAddresses = new Set(genesis.developmentAccounts.map((d) => d.address));
    const delegators = new Set(genesis.delegations.map((d) => d.from));
    expect(delegators.size / population.length).toBeGreaterThan(0.015);
    expect(delegators.size / population.length).toBeLessThan(0.05);
    const keys = new Set<string>();
    for (const d of genesis.delegations) {
      expect(populationAddresses.has(d.from)).toBe(true);
      expect(populationAddresses.has(d.to)).toBe(true);
      expect(devAddresses.has(d.to)).toBe(false);
      expect(d.to).not.toBe(d.from);
      expect(d.amount).toBeGreaterThanOrEqual(TRX);
      if (d.stake === "v2") expect(d.expireTime === 0 || d.expireTime > genesis.timestamp).toBe(true);
      const key = `${d.from}/${d.to}/${d.stake}/${d.resource}`;
      expect(keys.has(key)).toBe(false);
      keys.add(key);
    }
    const kinds = new Set(genesis.delegations.map((d) => `${d.stake}/${d.resource}`));
    expect([...kinds].sort()).toEqual(["v1/BANDWIDTH", "v1/ENERGY", "v2/BANDWIDTH", "v2/ENERGY"]);
    const v1 = genesis.delegations.filter((d) => d.stake === "v1");
    expect(v1.some((d) => d.expireTime < genesis.timestamp)).toBe(true);
    expect(v1.some((d) => d.expireTime > genesis.timestamp)).toBe(true);
  });
});

/** Pinned outputs of seed 7 / 2,000 accounts (update deliberately if the generator changes). */
const PINNED = {
  witness: "417ba26cb448dce1627737607b38b9dfee15aa8aa3",
  distributor: "TMUSoTKG7FxZZbBog4R4X7EayJmnWEkEyS",
  accounts: "c80474044c002ed7983f0af82bea190a7467a3c50322630ea2fb69d817120e73",
  delegations: "53467232339e396e50dcb48384b49731137582a77b460da1917e27c991e28b78",
};
