/**
 * "Who holds what at a snapshot" (TOKENOMICS.md): a holder's own TRX in the account state that
 * java-tron's getaccount returns (TRON-API.md §2.2), split into the components a snapshot stores.
 *   liquid     balance
 *   frozen     Stake 1.0: frozen[].frozen_balance, account_resource.frozen_balance_for_energy,
 *              delegated_frozen_balance_for_bandwidth, account_resource.delegated_frozen_balance_for_energy,
 *              tron_power.frozen_balance;
 *              Stake 2.0: frozenV2[].amount (every type), delegated_frozenV2_balance_for_bandwidth,
 *              account_resource.delegated_frozenV2_balance_for_energy
 *   unfreezing unfrozenV2[].unfreeze_amount (not yet withdrawn)
 * Not counted: acquired_delegated_* (someone else's TRX) and allowance (unclaimed rewards).
 * The indexer and the devnet's oracle share this one definition.
 */

export interface Holding {
  liquid: bigint;
  /** frozenV1 + frozenV2 */
  frozen: bigint;
  /** the Stake 1.0 part of `frozen` (own and delegated out, tron_power included) */
  frozenV1: bigint;
  /** the Stake 2.0 part of `frozen` (every frozenV2 type and delegated out) */
  frozenV2: bigint;
  unfreezing: bigint;
  total: bigint;
}

/** An int64 as java-tron renders it: a JSON number, or a string with `int64_as_string`. */
type Int64 = number | bigint | string | undefined;

interface FrozenEntry {
  frozen_balance?: Int64;
}

/** The account fields the holding reads (java-tron getaccount JSON, visible or not). */
export interface AccountJson {
  balance?: Int64;
  frozen?: FrozenEntry[];
  delegated_frozen_balance_for_bandwidth?: Int64;
  delegated_frozenV2_balance_for_bandwidth?: Int64;
  tron_power?: FrozenEntry;
  frozenV2?: { type?: string; amount?: Int64 }[];
  unfrozenV2?: { type?: string; unfreeze_amount?: Int64; unfreeze_expire_time?: Int64 }[];
  account_resource?: {
    frozen_balance_for_energy?: FrozenEntry;
    delegated_frozen_balance_for_energy?: Int64;
    delegated_frozenV2_balance_for_energy?: Int64;
  };
}

export class HoldingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HoldingError";
  }
}

/** Reads an int64 field exactly; a JSON number beyond 2^53 has already lost digits: refuse it. */
export function int64(value: Int64, field: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value))
      throw new HoldingError(`${field} = ${value} is not exact in JSON; ask the node for int64_as_string`);
    return BigInt(value);
  }
  if (!/^-?[0-9]+$/.test(value))
    throw new HoldingError(`${field} = ${JSON.stringify(value)} is not an integer`);
  return BigInt(value);
}

export function accountHolding(account: AccountJson): Holding {
  const liquid = int64(account.balance, "balance");
  const resource = account.account_resource ?? {};
  let frozen = 0n;
  for (const [i, entry] of (account.frozen ?? []).entries())
    frozen += int64(entry.frozen_balance, `frozen[${i}].frozen_balance`);
  frozen += int64(
    resource.frozen_balance_for_energy?.frozen_balance,
    "account_resource.frozen_balance_for_energy",
  );
  frozen += int64(account.delegated_frozen_balance_for_bandwidth, "delegated_frozen_balance_for_bandwidth");
  frozen += int64(
    resource.delegated_frozen_balance_for_energy,
    "account_resource.delegated_frozen_balance_for_energy",
  );
  frozen += int64(account.tron_power?.frozen_balance, "tron_power.frozen_balance");
  const frozenV1 = frozen;
  for (const [i, entry] of (account.frozenV2 ?? []).entries())
    frozen += int64(entry.amount, `frozenV2[${i}].amount`);
  frozen += int64(
    account.delegated_frozenV2_balance_for_bandwidth,
    "delegated_frozenV2_balance_for_bandwidth",
  );
  frozen += int64(
    resource.delegated_frozenV2_balance_for_energy,
    "account_resource.delegated_frozenV2_balance_for_energy",
  );
  const frozenV2 = frozen - frozenV1;
  let unfreezing = 0n;
  for (const [i, entry] of (account.unfrozenV2 ?? []).entries()) {
    unfreezing += int64(entry.unfreeze_amount, `unfrozenV2[${i}].unfreeze_amount`);
  }
  for (const [name, value] of [
    ["liquid", liquid],
    ["frozen (Stake 1.0)", frozenV1],
    ["frozen (Stake 2.0)", frozenV2],
    ["unfreezing", unfreezing],
  ] as const) {
    if (value < 0n) throw new HoldingError(`${name} is negative (${value})`);
  }
  return { liquid, frozen, frozenV1, frozenV2, unfreezing, total: liquid + frozen + unfreezing };
}
