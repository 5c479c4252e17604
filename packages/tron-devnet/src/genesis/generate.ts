import {
  accountFromPrivateKey,
  developmentPrivateKey,
  findAddressCollision,
  witnessPrivateKey,
  writePopulationAddressBody,
} from "./keys.js";
import { drawMagnitude, type MagnitudeTable, magnitudeTable, Sfc32 } from "./prng.js";
import type {
  DevelopmentAccount,
  Genesis,
  GenesisAccount,
  GenesisAsset,
  GenesisDelegation,
  ResourceType,
} from "./types.js";

export interface GenerateGenesisOptions {
  /** PRNG seed; the same seed gives byte-identical output. Default 7. */
  seed?: number;
  /** Total accounts INCLUDING the ten development accounts (≥ 10). Default 1000. */
  accounts?: number;
  /** Height of the genesis block. Default 0. */
  height?: number;
  /** Timestamp of the genesis block (ms). Default {@link defaultGenesisTimestamp}(height). */
  timestamp?: number;
}

export const DEFAULT_SEED = 7;
export const DEFAULT_ACCOUNTS = 1000;
export const DEVELOPMENT_ACCOUNT_COUNT = 10;
/** 1,000,000 TRX in sun: the liquid balance of every development account. */
export const DEVELOPMENT_ACCOUNT_BALANCE = 1_000_000_000_000n;
export const WHALE_COUNT = 5;
export const SUN_PER_TRX = 1_000_000n;

export const BTT_ASSET_ID = "1002000";
export const BTT_TOTAL_SUPPLY = 990_000_000_000_000_000n;

/** 1548000000000 + height × 3000 (one block every 3 s). */
export function defaultGenesisTimestamp(height: number): number {
  return 1_548_000_000_000 + height * 3000;
}

const DAY = 86_400_000;

/** Liquid TRX (whole TRX) of an ordinary account: decades 10^0 … 10^7, most in 1–10,000 TRX. */
const ORDINARY_TRX = magnitudeTable(0, [1400, 2400, 2800, 2000, 750, 200, 45, 5]);
/** Whales ("exchange-like"): 10^8 … 10^9 TRX. */
const WHALE_TRX = magnitudeTable(8, [1]);
/** Staked/unstaking/delegated amounts (whole TRX): 1 … 10^7 TRX, mostly 10–10,000. */
const STAKE_TRX = magnitudeTable(0, [1000, 3000, 3500, 2000, 400, 90, 10]);
/** Small BTT balances (whole BTT): 1 … 10^6 BTT. */
const SMALL_BTT = magnitudeTable(0, [1500, 2500, 2500, 2000, 1000, 500]);

/** Shares of the population (of non-zero accounts for the features). */
const SHARE_ZERO = 0.03;
const SHARE_SUB_TRX = 0.04; // liquid balance below 1 TRX
const SHARE_STAKE_V1 = 0.15;
const SHARE_STAKE_V2 = 0.2;
const SHARE_UNFREEZING = 0.05;
const SHARE_DELEGATOR = 0.03;
const SHARE_BTT = 0.01;

const KIND_ORDINARY = 0;
const KIND_ZERO = 1;
const KIND_WHALE = 2;

/** Everything decided before iteration: compact, no per-account objects. */
interface Plan {
  seed: number;
  timestamp: number;
  population: number;
  /** 20 address bytes (after 0x41) per population account. */
  addressBodies: Buffer;
  kinds: Uint8Array;
  whaleNumber: Map<number, number>;
  btt: Map<number, bigint>;
  accountKey: Uint32Array;
}

function wholeTrx(trx: number): bigint {
  return BigInt(trx) * SUN_PER_TRX;
}

function populationHexAddress(plan: Plan, index: number): string {
  return `41${plan.addressBodies.toString("hex", index * 20, index * 20 + 20)}`;
}

function pastTime(rng: Sfc32, timestamp: number, within: number): number {
  return Math.max(0, timestamp - 1 - rng.below(within));
}

function futureTime(rng: Sfc32, timestamp: number, within: number): number {
  return timestamp + 1 + rng.below(within);
}

function stakeAmount(rng: Sfc32, table: MagnitudeTable = STAKE_TRX): bigint {
  return wholeTrx(drawMagnitude(rng, table));
}

function assertInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`generateGenesis: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

/**
 * Generates the genesis of the development chain: a witness, ten funded development accounts
 * (the first one is the BTT distributor and BTT owner), the BTT asset and a heavy-tailed
 * population. Fully determined by the options. Addresses and a compact plan are computed here
 * (about 21 bytes per account); the account objects are produced lazily by `accounts()`.
 *
 * Guarantees for the chain:
 * - `accounts()` yields the ten development accounts first (index 0 = distributor), then the
 *   population in index order (population index p has the address 41 ‖ sha256(`btt-devnet/pop/<seed>/<p>`)[0..20]);
 *   NOT sorted by address. Every call yields fresh objects in the same order.
 * - Every address is unique and differs from the witness's; the witness is NOT among the accounts.
 * - Absent fields are zero/empty; present frozenV2 records and unfrozenV2 lists are never empty and
 *   hold only positive amounts; unfrozenV2 entries are sorted by expireTime.
 * - Stake 1.0 freezes whose expireTime is ≤ the genesis timestamp are expired but still frozen (not
 *   yet unfrozen by the owner): they stay in frozenV1 and still count as owned TRX.
 * - `delegations` (in population index order of the delegator) are between population accounts
 *   only, never to oneself, unique per (from, to, stake, resource); their amounts are NOT part of
 *   either account's frozenV1/frozenV2 (the chain adds them as delegated_* / acquired_delegated_*).
 * - Zero-balance accounts have no other fields and never delegate (they may receive delegations).
 */
export function generateGenesis(options: GenerateGenesisOptions = {}): Genesis {
  const seed = options.seed ?? DEFAULT_SEED;
  const accountCount = options.accounts ?? DEFAULT_ACCOUNTS;
  const height = options.height ?? 0;
  const timestamp = options.timestamp ?? defaultGenesisTimestamp(height);
  assertInteger("seed", seed, Number.MIN_SAFE_INTEGER);
  assertInteger("accounts", accountCount, DEVELOPMENT_ACCOUNT_COUNT);
  assertInteger("height", height, 0);
  assertInteger("timestamp", timestamp, 0);

  const witness = accountFromPrivateKey(witnessPrivateKey(seed));
  const developmentAccounts: DevelopmentAccount[] = [];
  for (let i = 0; i < DEVELOPMENT_ACCOUNT_COUNT; i++) {
    developmentAccounts.push(accountFromPrivateKey(developmentPrivateKey(seed, i)));
  }
  const distributor = developmentAccounts[0] as DevelopmentAccount;

  const population = accountCount - DEVELOPMENT_ACCOUNT_COUNT;
  const addressBodies = Buffer.alloc(population * 20);
  for (let i = 0; i < population; i++) writePopulationAddressBody(seed, i, addressBodies, i * 20);
  const collision = findAddressCollision(addressBodies, [
    witness.address,
    ...developmentAccounts.map((a) => a.address),
  ]);
  if (collision !== undefined)
    throw new Error(`generateGenesis(seed ${seed}): address collision: ${collision}`);

  const plan: Plan = {
    seed,
    timestamp,
    population,
    addressBodies,
    kinds: new Uint8Array(population).fill(KIND_ORDINARY),
    whaleNumber: new Map(),
    btt: new Map(),
    accountKey: Sfc32.keyFromLabel(`btt-devnet/accounts/${seed}`),
  };
  const delegations = planPopulation(plan);

  let otherBtt = 0n;
  for (const amount of plan.btt.values()) otherBtt += amount;
  if (otherBtt > BTT_TOTAL_SUPPLY) throw new Error(`generateGenesis: population BTT exceeds the supply`);
  const distributorBtt = BTT_TOTAL_SUPPLY - otherBtt;

  const btt: GenesisAsset = {
    id: BTT_ASSET_ID,
    owner: distributor.address,
    name: "BitTorrent",
    abbr: "BTT",
    precision: 6,
    totalSupply: BTT_TOTAL_SUPPLY,
    description: "Official Token of BitTorrent Protocol",
    url: "www.bittorrent.com",
    startTime: 1_548_000_000_000,
    endTime: 1_548_000_001_000,
  };

  function* accounts(): Generator<GenesisAccount, void, undefined> {
    for (let i = 0; i < DEVELOPMENT_ACCOUNT_COUNT; i++) {
      const dev = developmentAccounts[i] as DevelopmentAccount;
      if (i === 0) {
        yield {
          address: dev.address,
          balance: DEVELOPMENT_ACCOUNT_BALANCE,
          assets: { [BTT_ASSET_ID]: distributorBtt },
          name: "btt-distributor",
        };
      } else {
        yield { address: dev.address, balance: DEVELOPMENT_ACCOUNT_BALANCE, name: `dev-${i}` };
      }
    }
    for (let i = 0; i < population; i++) yield populationAccount(plan, i);
  }

  return {
    height,
    timestamp,
    witness,
    developmentAccounts,
    assets: [btt],
    accountCount,
    accounts,
    delegations,
  };
}

/**
 * The first pass: whales, zero-balance accounts, BTT holders and delegations, from one sequential
 * stream. Cheap (no hashing beyond the addresses already computed).
 */
function planPopulation(plan: Plan): GenesisDelegation[] {
  const { population, timestamp } = plan;
  const rng = Sfc32.fromLabel(`btt-devnet/plan/${plan.seed}`);
  const whales = Math.min(WHALE_COUNT, population);
  while (plan.whaleNumber.size < whales) {
    const index = rng.below(population);
    if (!plan.whaleNumber.has(index)) {
      plan.whaleNumber.set(index, plan.whaleNumber.size);
      plan.kinds[index] = KIND_WHALE;
    }
  }
  const delegations: GenesisDelegation[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < population; i++) {
    if (plan.kinds[i] !== KIND_WHALE && rng.chance(SHARE_ZERO)) {
      plan.kinds[i] = KIND_ZERO;
      continue;
    }
    if (rng.chance(SHARE_BTT)) {
      plan.btt.set(i, BigInt(drawMagnitude(rng, SMALL_BTT)) * 1_000_000n + BigInt(rng.below(1_000_000)));
    }
    if (population >= 2 && rng.chance(SHARE_DELEGATOR)) {
      const count = rng.chance(0.3) ? 2 : 1;
      for (let d = 0; d < count; d++) {
        let to = rng.below(population - 1);
        if (to >= i) to += 1;
        const stake = rng.chance(0.5) ? "v1" : "v2";
        const resource = rng.chance(0.5) ? "BANDWIDTH" : "ENERGY";
        const amount = stakeAmount(rng);
        let expireTime: number;
        if (stake === "v1") {
          expireTime = rng.chance(0.5)
            ? pastTime(rng, timestamp, 180 * DAY)
            : futureTime(rng, timestamp, 3 * DAY);
        } else {
          expireTime = rng.chance(0.7) ? 0 : futureTime(rng, timestamp, 3 * DAY);
        }
        const key = `${i}/${to}/${stake}/${resource}`;
        if (seen.has(key)) continue;
        seen.add(key);
        delegations.push({
          stake,
          from: populationHexAddress(plan, i),
          to: populationHexAddress(plan, to),
          resource,
          amount,
          expireTime,
        });
      }
    }
  }
  return delegations;
}

const UNFREEZE_TYPES: readonly ResourceType[] = ["BANDWIDTH", "ENERGY", "TRON_POWER"];

/** The second pass: one account from its own stream (rebuilt from the index, so repeatable). */
function populationAccount(plan: Plan, index: number): GenesisAccount {
  const address = populationHexAddress(plan, index);
  const kind = plan.kinds[index];
  if (kind === KIND_ZERO) return { address, balance: 0n };
  const { timestamp } = plan;
  const rng = Sfc32.forIndex(plan.accountKey, index);

  let balance: bigint;
  if (kind === KIND_WHALE) {
    balance = wholeTrx(drawMagnitude(rng, WHALE_TRX)) + BigInt(rng.below(1_000_000));
  } else if (rng.chance(SHARE_SUB_TRX)) {
    balance = BigInt(1 + rng.below(999_999));
  } else {
    const trx = drawMagnitude(rng, ORDINARY_TRX);
    balance = wholeTrx(trx) + (rng.chance(0.7) ? BigInt(rng.below(1_000_000)) : 0n);
  }
  const account: GenesisAccount = { address, balance };

  if (rng.chance(SHARE_STAKE_V1)) {
    const which = rng.below(3); // 0 bandwidth, 1 energy, 2 both
    const frozenV1: NonNullable<GenesisAccount["frozenV1"]> = {};
    const expire = () =>
      rng.chance(0.5) ? pastTime(rng, timestamp, 365 * DAY) : futureTime(rng, timestamp, 3 * DAY);
    if (which !== 1) frozenV1.bandwidth = { amount: stakeAmount(rng), expireTime: expire() };
    if (which !== 0) frozenV1.energy = { amount: stakeAmount(rng), expireTime: expire() };
    account.frozenV1 = frozenV1;
  }

  if (rng.chance(SHARE_STAKE_V2)) {
    const bandwidth = rng.chance(0.6);
    const energy = rng.chance(0.6);
    const tronPower = rng.chance(0.1);
    const frozenV2: Partial<Record<ResourceType, bigint>> = {};
    if (bandwidth) frozenV2.BANDWIDTH = stakeAmount(rng);
    if (energy || (!bandwidth && !tronPower)) frozenV2.ENERGY = stakeAmount(rng);
    if (tronPower) frozenV2.TRON_POWER = stakeAmount(rng);
    account.frozenV2 = frozenV2;
  }

  if (rng.chance(SHARE_UNFREEZING)) {
    const count = 1 + rng.below(3);
    const unfrozenV2: NonNullable<GenesisAccount["unfrozenV2"]> = [];
    for (let u = 0; u < count; u++) {
      const type = UNFREEZE_TYPES[rng.weighted([45, 45, 10], 100)] ?? "BANDWIDTH";
      const amount = stakeAmount(rng);
      const expireTime = rng.chance(0.25)
        ? pastTime(rng, timestamp, 3 * DAY)
        : futureTime(rng, timestamp, 14 * DAY - 1);
      unfrozenV2.push({ type, amount, expireTime });
    }
    unfrozenV2.sort((a, b) => a.expireTime - b.expireTime);
    account.unfrozenV2 = unfrozenV2;
  }

  const btt = plan.btt.get(index);
  if (btt !== undefined) account.assets = { [BTT_ASSET_ID]: btt };
  const whale = plan.whaleNumber.get(index);
  if (whale !== undefined) account.name = `whale-${whale}`;
  return account;
}
