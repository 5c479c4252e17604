/**
 * The contract between the genesis generator (src/genesis) and the chain (src/chain).
 * Addresses are 21-byte hex strings with the 0x41 prefix, lower case ("41…").
 * Amounts are bigint sun (TRX) or base units (TRC-10). Times are Unix milliseconds (chain time).
 */

export type ResourceType = "BANDWIDTH" | "ENERGY" | "TRON_POWER";

/** One account's state at genesis, in java-tron's terms (TRON-API.md §2.2). Absent = zero/empty. */
export interface GenesisAccount {
  address: string;
  /** liquid TRX, `balance` */
  balance: bigint;
  /** Stake 1.0 own freezes: `frozen[]` (bandwidth) and `account_resource.frozen_balance_for_energy` */
  frozenV1?: {
    bandwidth?: { amount: bigint; expireTime: number };
    energy?: { amount: bigint; expireTime: number };
  };
  /** Stake 2.0 own stake, `frozenV2[]` by type (after delegations moved out) */
  frozenV2?: Partial<Record<ResourceType, bigint>>;
  /** Stake 2.0 unstaking, `unfrozenV2[]` */
  unfrozenV2?: { type: ResourceType; amount: bigint; expireTime: number }[];
  /** TRC-10 balances by token id, `assetV2` */
  assets?: Record<string, bigint>;
  /** `account_name` (UTF-8), optional */
  name?: string;
}

/**
 * Delegations between genesis accounts. Stake 1.0: `delegated_frozen_balance_for_*` on the owner,
 * `acquired_delegated_frozen_balance_for_*` on the receiver. Stake 2.0: the amount is moved out of
 * the owner's `frozenV2` into `delegated_frozenV2_balance_for_*` (so it is NOT also in `frozenV2`),
 * and the receiver gets `acquired_delegated_frozenV2_balance_for_*`.
 */
export interface GenesisDelegation {
  stake: "v1" | "v2";
  from: string;
  to: string;
  resource: "BANDWIDTH" | "ENERGY";
  amount: bigint;
  /** Stake 1.0 delegation expiry / Stake 2.0 lock expiry (0 = unlocked). */
  expireTime: number;
}

export interface GenesisAsset {
  id: string; // "1002000"
  owner: string;
  name: string; // "BitTorrent"
  abbr: string; // "BTT"
  precision: number; // 6
  totalSupply: bigint; // 990000000000000000n
  description: string;
  url: string;
  startTime: number;
  endTime: number;
}

export interface DevelopmentAccount {
  address: string; // hex 41…
  base58: string;
  privateKey: string; // 64 hex chars
}

export interface Genesis {
  /** Height of the genesis block (the demo starts just below 6,600,000). */
  height: number;
  /** Timestamp of the genesis block. */
  timestamp: number;
  /** Key of the single witness that produces every block (deterministic from the seed). */
  witness: DevelopmentAccount;
  /** Ten well-known funded accounts; developmentAccounts[0] is the BTT distributor. */
  developmentAccounts: DevelopmentAccount[];
  assets: GenesisAsset[];
  /** Number of accounts `accounts()` yields (development accounts included). */
  accountCount: number;
  /** Every account, in a deterministic order, produced lazily (1,000,000 accounts fit in memory). */
  accounts(): Iterable<GenesisAccount>;
  delegations: GenesisDelegation[];
}
