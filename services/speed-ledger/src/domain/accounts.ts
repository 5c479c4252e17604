/**
 * The ledger's accounts. A user is its base58 address, with two buckets: `available` and `locked`
 * (the unspent locks of the channels it pays from). System accounts use `available` only:
 *   - `system:promotions`: the pool operators grant from;
 *   - `system:rewards`: the pool seeding rewards are paid from;
 *   - `system:withdrawals`: withdrawals reserved and not yet settled on chain;
 *   - `system:custody`: the contra account of the custody address on chain. Every entry sums to
 *     zero, so −custody = Σ(users + pools + withdrawals in flight) = the BTT the ledger owes, which
 *     reconciliation compares with the custody address's BTT on chain.
 */
export const SYSTEM = {
  custody: "system:custody",
  promotions: "system:promotions",
  rewards: "system:rewards",
  withdrawals: "system:withdrawals",
} as const;
export type SystemAccount = (typeof SYSTEM)[keyof typeof SYSTEM];

export type Bucket = "available" | "locked";

export function isSystemAccount(id: string): boolean {
  return id.startsWith("system:");
}

/** One side of an entry: signed base units on one bucket of one account. */
export interface Posting {
  account: string;
  bucket: Bucket;
  amount: bigint;
}

/** The kinds of journal entries; statements show them. */
export const ENTRY_KINDS = [
  "deposit",
  "channel.open",
  "voucher",
  "channel.close",
  "channel.expire",
  "grant",
  "reward",
  "withdrawal.reserve",
  "withdrawal.post",
  "withdrawal.void",
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
