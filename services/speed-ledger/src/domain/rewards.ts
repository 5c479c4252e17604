/**
 * Seeding rewards (ARCHITECTURE.md): an epoch's budget is split among payees pro rata to the BTT
 * they were paid through accepted vouchers in that epoch, payer ≠ payee, with what one payer-payee
 * pair and what one payee may weigh capped. Exact: payouts are floor(budget × w / W) and the units
 * left are handed out one each by largest remainder (ties: lower address first), so Σ = budget
 * whenever anyone weighs at all. Pure: the same rows always give the same split.
 */

export interface PairPayment {
  payer: string;
  payee: string;
  /** BTT base units moved to the payee by vouchers of this pair in the epoch. */
  paid: bigint;
}

export interface RewardCaps {
  /** Most one payer-payee pair counts for; null = no cap. */
  perPair: bigint | null;
  /** Most one payee counts for; null = no cap. */
  perPayee: bigint | null;
}

export interface RewardSplit {
  /** Payee → capped weight, ordered by address. */
  weights: Map<string, bigint>;
  /** Payee → reward; only payees with a reward > 0. */
  payouts: Map<string, bigint>;
  totalWeight: bigint;
  distributed: bigint;
}

const min = (a: bigint, b: bigint | null) => (b !== null && b < a ? b : a);

export function splitRewards(budget: bigint, pairs: readonly PairPayment[], caps: RewardCaps): RewardSplit {
  if (budget < 0n) throw new RangeError("budget must not be negative");
  const byPayee = new Map<string, bigint>();
  for (const p of pairs) {
    if (p.payer === p.payee || p.paid <= 0n) continue;
    byPayee.set(p.payee, (byPayee.get(p.payee) ?? 0n) + min(p.paid, caps.perPair));
  }
  const weights = new Map(
    [...byPayee]
      .map(([payee, w]) => [payee, min(w, caps.perPayee)] as const)
      .filter(([, w]) => w > 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  let totalWeight = 0n;
  for (const w of weights.values()) totalWeight += w;
  const payouts = new Map<string, bigint>();
  if (totalWeight === 0n || budget === 0n) return { weights, payouts, totalWeight, distributed: 0n };

  const shares: { payee: string; amount: bigint; remainder: bigint }[] = [];
  let assigned = 0n;
  for (const [payee, w] of weights) {
    const product = budget * w;
    const amount = product / totalWeight;
    shares.push({ payee, amount, remainder: product % totalWeight });
    assigned += amount;
  }
  let left = budget - assigned; // < number of payees
  const order = [...shares].sort((a, b) =>
    a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.payee < b.payee ? -1 : 1,
  );
  for (const share of order) {
    if (left === 0n) break;
    share.amount += 1n;
    left -= 1n;
  }
  for (const s of shares) if (s.amount > 0n) payouts.set(s.payee, s.amount);
  return { weights, payouts, totalWeight, distributed: budget };
}
