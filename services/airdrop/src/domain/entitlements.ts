import { fractionToDecimal, mulDivFloorRem, reduceFraction } from "@btt/shared/money";
import { addressToBytes } from "@btt/shared/tron";

/**
 * The entitlement of a round (TOKENOMICS.md "Entitlement of a round"): a pure function of the
 * snapshot rows, the pool, the exclusions and `minHoldingSun`. bigint throughout.
 *   - eligible: h_i > 0, h_i ≥ minHoldingSun, not excluded; E = Σ h_i;
 *   - P ≥ E: a_i = h_i (the 1:1 rule), P − E undistributed;
 *   - P < E: a_i = floor(h_i·P/E), and the remainder R = P − Σ a_i goes one base unit each to the
 *     R holders with the largest fractional part (h_i·P mod E), ties by address ascending; Σ a_i = P.
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
  ratio: { numerator: bigint; denominator: bigint; decimal: string };
}

export interface ComputeEntitlementsInput {
  holdings: Iterable<HoldingRow>;
  pool: bigint;
  exclusions: readonly Exclusion[];
  minHoldingSun: bigint;
}

export const RATIO_SIGNIFICANT_DIGITS = 15;

function compareAddressBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

export function computeEntitlements(input: ComputeEntitlementsInput): EntitlementTable {
  if (input.pool < 0n) throw new RangeError("pool must be non-negative");
  const excluded = new Map(input.exclusions.map((e) => [e.address, e.reason]));
  const exclusions: ExcludedHolding[] = [];
  const eligible: { row: HoldingRow; total: bigint; key: Buffer }[] = [];
  const seen = new Set<string>();
  let eligibleTotal = 0n;

  for (const row of input.holdings) {
    if (seen.has(row.address)) throw new RangeError(`duplicate holding for ${row.address}`);
    seen.add(row.address);
    const total = row.liquid + row.frozen + row.unfreezing;
    if (row.liquid < 0n || row.frozen < 0n || row.unfreezing < 0n)
      throw new RangeError(`negative holding for ${row.address}`);
    const reason = excluded.get(row.address);
    if (reason !== undefined) {
      exclusions.push({ address: row.address, reason, holding: total });
      continue;
    }
    if (total === 0n || total < input.minHoldingSun) continue;
    eligible.push({ row, total, key: addressToBytes(row.address) });
    eligibleTotal += total;
  }
  // Exclusions whose address held nothing are still recorded, with holding 0.
  for (const e of input.exclusions) {
    if (!seen.has(e.address)) exclusions.push({ address: e.address, reason: e.reason, holding: 0n });
  }
  exclusions.sort((a, b) => compareAddressBytes(addressToBytes(a.address), addressToBytes(b.address)));
  eligible.sort((a, b) => compareAddressBytes(a.key, b.key));

  const amounts = new Array<bigint>(eligible.length);
  if (input.pool >= eligibleTotal) {
    eligible.forEach((e, i) => {
      amounts[i] = e.total;
    });
  } else {
    const remainders = new Array<bigint>(eligible.length);
    let floorSum = 0n;
    eligible.forEach((e, i) => {
      const { quotient, remainder } = mulDivFloorRem(e.total, input.pool, eligibleTotal);
      amounts[i] = quotient;
      remainders[i] = remainder;
      floorSum += quotient;
    });
    const leftover = Number(input.pool - floorSum); // < number of holders, so a safe integer
    if (leftover > 0) {
      // Largest fractional part first; `eligible` is already in address order, so a stable sort
      // breaks ties by address ascending.
      const order = eligible.map((_, i) => i);
      order.sort((a, b) => {
        const ra = remainders[a] as bigint;
        const rb = remainders[b] as bigint;
        return ra === rb ? a - b : ra > rb ? -1 : 1;
      });
      for (let k = 0; k < leftover; k += 1) {
        const i = order[k] as number;
        amounts[i] = (amounts[i] as bigint) + 1n;
      }
    }
  }

  const rows: EntitlementRow[] = [];
  let distributed = 0n;
  let zeroAmountHolders = 0;
  eligible.forEach((e, i) => {
    const amount = amounts[i] as bigint;
    if (amount === 0n) {
      zeroAmountHolders += 1;
      return;
    }
    distributed += amount;
    rows.push({ ...e.row, total: e.total, amount });
  });

  const covered = eligibleTotal === 0n || input.pool >= eligibleTotal;
  const ratio = covered ? { numerator: 1n, denominator: 1n } : reduceFraction(input.pool, eligibleTotal);
  return {
    rows,
    eligibleTotal,
    distributed,
    undistributed: input.pool - distributed,
    exclusions,
    zeroAmountHolders,
    ratio: {
      ...ratio,
      decimal: fractionToDecimal(ratio.numerator, ratio.denominator, RATIO_SIGNIFICANT_DIGITS),
    },
  };
}
