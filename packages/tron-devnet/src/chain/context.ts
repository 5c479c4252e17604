import type { GenesisAsset } from "../genesis/types.js";
import type { Json } from "../protocol/json.js";
import { type AccountState, type AccountStore, emptyAccount } from "./state.js";

/** java-tron's ContractValidateException: answered as CONTRACT_VALIDATE_ERROR with this message. */
export class ContractValidateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractValidateError";
  }
}

/** Stake delegations between two accounts (java-tron DelegatedResource records). */
export interface DelegationRecord {
  bandwidth: bigint;
  energy: bigint;
  /** Stake 1.0: expiry of the freeze; Stake 2.0: end of the lock (0 = unlocked) */
  bandwidthExpire: number;
  energyExpire: number;
}

export interface Totals {
  /** Σ bandwidth stake in whole TRX (TotalNetWeight) */
  netWeight: bigint;
  energyWeight: bigint;
}

/**
 * The working view of one transaction: reads fall through to the latest committed state, writes
 * stay here until commit, so a transaction that fails validation leaves no trace (java-tron runs
 * each transaction in a revoking session for the same reason).
 */
export class TxContext {
  private readonly staged = new Map<string, AccountState>();
  readonly info: Record<string, Json> = {};
  /** sun burned or paid as fees by this transaction, bandwidth included */
  fee = 0n;

  constructor(
    private readonly store: AccountStore,
    readonly now: number,
    readonly assets: ReadonlyMap<string, GenesisAsset>,
    readonly delegationsV1: Map<string, DelegationRecord>,
    readonly delegationsV2: Map<string, DelegationRecord>,
    readonly totals: Totals,
  ) {}

  get(address: string): AccountState | undefined {
    return this.staged.get(address) ?? this.store.latest(address);
  }

  require(address: string): AccountState {
    const a = this.get(address);
    if (!a) throw new Error(`account ${address} missing after validation`);
    return a;
  }

  set(state: AccountState): void {
    this.staged.set(state.address, state);
  }

  update(address: string, change: (a: AccountState) => Partial<AccountState>): AccountState {
    const prev = this.get(address) ?? emptyAccount(address, this.now);
    const next = { ...prev, ...change(prev) };
    this.set(next);
    return next;
  }

  commit(height: number): string[] {
    for (const state of this.staged.values()) this.store.put(state, height);
    return [...this.staged.keys()];
  }
}

export function delegationKey(from: string, to: string): string {
  return `${from}:${to}`;
}

export type DelegationMap = Map<string, DelegationRecord>;

/**
 * Adds `delta` (negative to take back) to one resource of the from→to record; its expiry becomes
 * the later of the current one and `expire` (pass 0 to keep it). A record left empty is removed.
 */
export function addDelegation(
  map: DelegationMap,
  from: string,
  to: string,
  energy: boolean,
  delta: bigint,
  expire: number,
): void {
  const key = delegationKey(from, to);
  const rec = map.get(key) ?? { bandwidth: 0n, energy: 0n, bandwidthExpire: 0, energyExpire: 0 };
  const next = energy
    ? { ...rec, energy: rec.energy + delta, energyExpire: Math.max(rec.energyExpire, expire) }
    : { ...rec, bandwidth: rec.bandwidth + delta, bandwidthExpire: Math.max(rec.bandwidthExpire, expire) };
  if (next.energy === 0n && next.bandwidth === 0n) map.delete(key);
  else map.set(key, next);
}

/** Empties one resource of the from→to record (Stake 1.0 unfreeze) and returns what it held. */
export function clearDelegation(map: DelegationMap, from: string, to: string, energy: boolean): bigint {
  const key = delegationKey(from, to);
  const rec = map.get(key);
  if (!rec) return 0n;
  const amount = energy ? rec.energy : rec.bandwidth;
  const next = energy
    ? { ...rec, energy: 0n, energyExpire: 0 }
    : { ...rec, bandwidth: 0n, bandwidthExpire: 0 };
  if (next.energy === 0n && next.bandwidth === 0n) map.delete(key);
  else map.set(key, next);
  return amount;
}
