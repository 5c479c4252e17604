import { fractionToDecimal, reduceFraction } from "@btt/shared/money";

/**
 * The entitlement of a round (TOKENOMICS.md "Entitlement of a round"): a pure function of the
 * snapshot rows, the pool, the exclusions and `minHoldingSun`. bigint throughout.
 *   - eligible: h_i > 0, h_i ≥ minHoldingSun, not excluded; E = Σ h_i;
 *   - P ≥ E: a_i = h_i (the 1:1 rule), P − E undistributed;
 *   - P < E: a_i = floor(h_i·P/E), and the remainder R = P − Σ a_i goes one base unit each to the
 *     R holders with the largest fractional part (h_i·P mod E), ties by address ascending; Σ a_i = P.
 * Rows are ordered by address (the 21-byte order, which base58 string order equals).
 * The round id does not change the amounts; it enters the Merkle leaves (merkle.ts).
 */

export interface HoldingRow {
  /** base58 address */
  address: string;
  liquid: bigint;
  frozen: bigint;
  unfreezing: bigint;
}

export interface Exclusion {
  address: string;
  reason: string;
}

export interface EntitlementRow extends HoldingRow {
  total: bigint;
  amount: bigint;
}

export interface ExcludedHolding {
  address: string;
  reason: string;
  holding: bigint;
}

export interface EntitlementTable {
  /** Rows with amount > 0, ordered by the 21-byte address (the Merkle leaf order). */
  rows: EntitlementRow[];
  eligibleTotal: bigint;
  distributed: bigint;
  undistributed: bigint;
  exclusions: ExcludedHolding[];
  /** Eligible holders whose amount rounded to 0 (no leaf, no transaction). */
  zeroAmountHolders: number;
  /** Holders with a holding but no leaf and no exclusion: below the minimum, or a zero amount. */
  nonRecipients: NonRecipient[];
  ratio: { numerator: bigint; denominator: bigint; decimal: string };
}

export interface NonRecipient {
  address: string;
  reason: "below minimum" | "zero amount";
  total: bigint;
}

export interface ComputeEntitlementsInput {
  holdings: Iterable<HoldingRow>;
  pool: bigint;
  exclusions: readonly Exclusion[];
  minHoldingSun: bigint;
}

export const RATIO_SIGNIFICANT_DIGITS = 15;

/**
 * Every TRON address is 34 base58 characters over an alphabet in ASCII order, so comparing the
 * strings compares the numbers they encode (21 address bytes ‖ 4 checksum bytes): string order is
 * the 21-byte order of the Merkle leaves. (The indexer already sends rows in this order.)
 */
function byAddress(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function computeEntitlements(input: ComputeEntitlementsInput): EntitlementTable {
  const pool = input.pool;
  if (pool < 0n) throw new RangeError("pool must be non-negative");
  const excluded = new Map(input.exclusions.map((e) => [e.address, e.reason]));
  const exclusions: ExcludedHolding[] = [];
  const nonRecipients: NonRecipient[] = [];
  let holders = Array.isArray(input.holdings) ? (input.holdings as HoldingRow[]) : [...input.holdings];
  // Rows usually arrive in address order (the indexer's); duplicates are then neighbours.
  for (let i = 1; i < holders.length; i += 1) {
    if ((holders[i] as HoldingRow).address <= (holders[i - 1] as HoldingRow).address) {
      holders = [...holders].sort((a, b) => byAddress(a.address, b.address));
      break;
    }
  }
  const eligible: HoldingRow[] = [];
  const totals: bigint[] = [];
  let eligibleTotal = 0n;
  let seenExcluded = 0;
  for (let i = 0; i < holders.length; i += 1) {
    const row = holders[i] as HoldingRow;
    if (i > 0 && row.address === (holders[i - 1] as HoldingRow).address) {
      throw new RangeError(`duplicate holding for ${row.address}`);
    }
    if (row.address.length !== 34) throw new RangeError(`not a base58 TRON address: ${row.address}`);
    if (row.liquid < 0n || row.frozen < 0n || row.unfreezing < 0n)
      throw new RangeError(`negative holding for ${row.address}`);
    const total = row.liquid + row.frozen + row.unfreezing;
    if (excluded.size > seenExcluded) {
      const reason = excluded.get(row.address);
      if (reason !== undefined) {
        seenExcluded += 1;
        exclusions.push({ address: row.address, reason, holding: total });
        continue;
      }
    }
    if (total === 0n) continue;
    if (total < input.minHoldingSun) {
      nonRecipients.push({ address: row.address, reason: "below minimum", total });
      continue;
    }
    eligible.push(row);
    totals.push(total);
    eligibleTotal += total;
  }
  // Exclusions whose address held nothing are still recorded, with holding 0.
  if (exclusions.length < input.exclusions.length) {
    const held = new Set(exclusions.map((e) => e.address));
    for (const e of input.exclusions) {
      if (!held.has(e.address)) exclusions.push({ address: e.address, reason: e.reason, holding: 0n });
    }
  }
  exclusions.sort((a, b) => byAddress(a.address, b.address));

  const n = eligible.length;
  const amounts = new Array<bigint>(n);
  if (pool >= eligibleTotal) {
    for (let i = 0; i < n; i += 1) amounts[i] = totals[i] as bigint;
  } else {
    const remainders = new Array<bigint>(n);
    let floorSum = 0n;
    for (let i = 0; i < n; i += 1) {
      const product = (totals[i] as bigint) * pool;
      const quotient = product / eligibleTotal;
      amounts[i] = quotient;
      remainders[i] = product - quotient * eligibleTotal;
      floorSum += quotient;
    }
    const leftover = Number(pool - floorSum); // < number of holders, so a safe integer
    if (leftover > 0) {
      for (const i of largestRemainders(remainders, leftover)) amounts[i] = (amounts[i] as bigint) + 1n;
    }
  }

  const rows: EntitlementRow[] = [];
  let zeroAmountHolders = 0;
  for (let i = 0; i < n; i += 1) {
    const amount = amounts[i] as bigint;
    const row = eligible[i] as HoldingRow;
    if (amount === 0n) {
      zeroAmountHolders += 1;
      nonRecipients.push({ address: row.address, reason: "zero amount", total: totals[i] as bigint });
      continue;
    }
    rows.push({
      address: row.address,
      liquid: row.liquid,
      frozen: row.frozen,
      unfreezing: row.unfreezing,
      total: totals[i] as bigint,
      amount,
    });
  }

  const covered = eligibleTotal === 0n || pool >= eligibleTotal;
  // Σ a_i: every eligible holding when covered, else the pool exactly (largest remainder)
  const distributed = covered ? eligibleTotal : pool;
  const ratio = covered ? { numerator: 1n, denominator: 1n } : reduceFraction(pool, eligibleTotal);
  return {
    rows,
    eligibleTotal,
    distributed,
    undistributed: pool - distributed,
    exclusions,
    zeroAmountHolders,
    nonRecipients,
    ratio: {
      ...ratio,
      decimal: fractionToDecimal(ratio.numerator, ratio.denominator, RATIO_SIGNIFICANT_DIGITS),
    },
  };
}

/**
 * The indices of the `count` largest remainders, ties by index ascending (= address ascending).
 * A float image of each remainder finds the threshold in one native sort (Number() of a bigint is
 * monotone, so a strictly larger float means a strictly larger remainder); only the remainders
 * whose float equals the threshold are ordered exactly.
 */
function largestRemainders(remainders: readonly bigint[], count: number): number[] {
  const floats = new Float64Array(remainders.length);
  for (let i = 0; i < remainders.length; i += 1) floats[i] = Number(remainders[i]);
  const threshold = Float64Array.from(floats).sort()[floats.length - count] as number;
  const chosen: number[] = [];
  const tied: number[] = [];
  for (let i = 0; i < floats.length; i += 1) {
    const f = floats[i] as number;
    if (f > threshold) chosen.push(i);
    else if (f === threshold) tied.push(i);
  }
  tied.sort((a, b) => {
    const ra = remainders[a] as bigint;
    const rb = remainders[b] as bigint;
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
  for (let k = 0; chosen.length < count; k += 1) chosen.push(tied[k] as number);
  return chosen;
}
