import type { ResourceCode } from "../protocol/contracts.js";

/**
 * Account state with its change history. Each account keeps the versions it went through, tagged
 * with the height of the block that produced them, so the state "at height H" is a binary search
 * and memory grows with changes (transactions), never with idle blocks. Versions are immutable
 * once their block is sealed; the version tagged with the pending height is replaced in place.
 */

export interface Frozen {
  amount: bigint;
  expireTime: number;
}

export interface Unfreezing {
  type: ResourceCode;
  amount: bigint;
  expireTime: number;
}

export interface AccountState {
  readonly address: string;
  readonly name?: string;
  readonly createTime: number;
  readonly balance: bigint;
  /** TRC-10 balances by token id; replaced (never mutated) on change */
  readonly assets?: Readonly<Record<string, bigint>>;
  readonly frozenV1Bandwidth?: Frozen;
  readonly frozenV1Energy?: Frozen;
  readonly delegatedV1Bandwidth: bigint;
  readonly delegatedV1Energy: bigint;
  readonly acquiredV1Bandwidth: bigint;
  readonly acquiredV1Energy: bigint;
  readonly frozenV2Bandwidth: bigint;
  readonly frozenV2Energy: bigint;
  readonly frozenV2TronPower: bigint;
  readonly delegatedV2Bandwidth: bigint;
  readonly delegatedV2Energy: bigint;
  readonly acquiredV2Bandwidth: bigint;
  readonly acquiredV2Energy: bigint;
  readonly unfrozenV2: readonly Unfreezing[];
  readonly freeNetUsage: bigint;
  readonly latestConsumeFreeTime: number;
  readonly netUsage: bigint;
  readonly latestConsumeTime: number;
  readonly latestOperationTime: number;
}

/** Shared by every account with nothing unstaking (most of a million-account genesis). */
const NO_UNFREEZING: readonly Unfreezing[] = Object.freeze([]);

export function emptyAccount(address: string, createTime: number): AccountState {
  return {
    address,
    createTime,
    balance: 0n,
    delegatedV1Bandwidth: 0n,
    delegatedV1Energy: 0n,
    acquiredV1Bandwidth: 0n,
    acquiredV1Energy: 0n,
    frozenV2Bandwidth: 0n,
    frozenV2Energy: 0n,
    frozenV2TronPower: 0n,
    delegatedV2Bandwidth: 0n,
    delegatedV2Energy: 0n,
    acquiredV2Bandwidth: 0n,
    acquiredV2Energy: 0n,
    unfrozenV2: NO_UNFREEZING,
    freeNetUsage: 0n,
    latestConsumeFreeTime: 0,
    netUsage: 0n,
    latestConsumeTime: 0,
    latestOperationTime: 0,
  };
}

/**
 * The TRX an account owns at a snapshot (TOKENOMICS.md "Who holds what"; TRON-API.md §2.2), with
 * `frozen` split into its Stake 1.0 and Stake 2.0 parts (own and delegated out, each).
 */
export function holdingsOf(a: AccountState): {
  liquid: bigint;
  frozenV1: bigint;
  frozenV2: bigint;
  frozen: bigint;
  unfreezing: bigint;
  total: bigint;
} {
  const frozenV1 =
    (a.frozenV1Bandwidth?.amount ?? 0n) +
    (a.frozenV1Energy?.amount ?? 0n) +
    a.delegatedV1Bandwidth +
    a.delegatedV1Energy;
  const frozenV2 =
    a.frozenV2Bandwidth +
    a.frozenV2Energy +
    a.frozenV2TronPower +
    a.delegatedV2Bandwidth +
    a.delegatedV2Energy;
  const frozen = frozenV1 + frozenV2;
  const unfreezing = a.unfrozenV2.reduce((sum, u) => sum + u.amount, 0n);
  return {
    liquid: a.balance,
    frozenV1,
    frozenV2,
    frozen,
    unfreezing,
    total: a.balance + frozen + unfreezing,
  };
}

/** Own bandwidth stake plus bandwidth received from others: what NetLimit is computed from. */
export function bandwidthStake(a: AccountState): bigint {
  return (
    (a.frozenV1Bandwidth?.amount ?? 0n) + a.acquiredV1Bandwidth + a.frozenV2Bandwidth + a.acquiredV2Bandwidth
  );
}

export function energyStake(a: AccountState): bigint {
  return (a.frozenV1Energy?.amount ?? 0n) + a.acquiredV1Energy + a.frozenV2Energy + a.acquiredV2Energy;
}

interface History {
  heights: number[];
  states: AccountState[];
}

/** An account that never changed after it appeared is stored as its single version (memory). */
interface Single {
  height: number;
  state: AccountState;
}

type Entry = History | Single;

function isSingle(e: Entry): e is Single {
  return (e as Single).state !== undefined;
}

export class AccountStore {
  private readonly accounts = new Map<string, Entry>();

  get size(): number {
    return this.accounts.size;
  }

  /** Genesis load: one version per account, no copies. */
  seed(state: AccountState, height: number): void {
    this.accounts.set(state.address, { height, state });
  }

  /** Latest state, pending changes included (what wallet/getaccount answers). */
  latest(address: string): AccountState | undefined {
    const e = this.accounts.get(address);
    if (!e) return undefined;
    return isSingle(e) ? e.state : e.states[e.states.length - 1];
  }

  /** State as of the end of block `height`; undefined when the account did not exist yet. */
  at(address: string, height: number): AccountState | undefined {
    const e = this.accounts.get(address);
    if (!e) return undefined;
    if (isSingle(e)) return e.height <= height ? e.state : undefined;
    const i = lastIndexAtOrBelow(e.heights, height);
    return i < 0 ? undefined : e.states[i];
  }

  /** Height of the last change at or below `height` (for getaccountbalance's block_identifier). */
  lastChangeAt(address: string, height: number): number | undefined {
    const e = this.accounts.get(address);
    if (!e) return undefined;
    if (isSingle(e)) return e.height <= height ? e.height : undefined;
    const i = lastIndexAtOrBelow(e.heights, height);
    return i < 0 ? undefined : e.heights[i];
  }

  put(state: AccountState, height: number): void {
    const e = this.accounts.get(state.address);
    if (!e) {
      this.accounts.set(state.address, { height, state });
      return;
    }
    if (isSingle(e)) {
      if (e.height === height) e.state = state;
      else this.accounts.set(state.address, { heights: [e.height, height], states: [e.state, state] });
      return;
    }
    const last = e.heights.length - 1;
    if (e.heights[last] === height) e.states[last] = state;
    else {
      e.heights.push(height);
      e.states.push(state);
    }
  }

  addresses(): IterableIterator<string> {
    return this.accounts.keys();
  }
}

function lastIndexAtOrBelow(heights: number[], height: number): number {
  let lo = 0;
  let hi = heights.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((heights[mid] as number) <= height) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
