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
