/**
 * Money is bigint base units from the edge inward (STYLE.md). These helpers parse and print
 * decimal strings at the boundary and do exact integer arithmetic in between.
 */

/** Largest amount we accept: numeric(39,0) in PostgreSQL, u128 in Merkle leaves. */
export const MAX_AMOUNT = (1n << 128n) - 1n;

const BASE_UNITS_PATTERN = /^(0|[1-9][0-9]*)$/;
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(\.([0-9]+))?$/;

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmountError";
  }
}

/** Parses a non-negative integer amount of base units written as a decimal string ("990000000000000"). */
export function parseBaseUnits(text: string, max: bigint = MAX_AMOUNT): bigint {
  if (typeof text !== "string" || !BASE_UNITS_PATTERN.test(text)) {
    throw new AmountError(`"${String(text).slice(0, 64)}" is not a non-negative integer in base units`);
  }
  const value = BigInt(text);
  if (value > max) throw new AmountError(`${text} exceeds the maximum amount ${max}`);
  return value;
}

export function isBaseUnits(text: unknown): text is string {
  return typeof text === "string" && BASE_UNITS_PATTERN.test(text) && BigInt(text) <= MAX_AMOUNT;
}

export function formatBaseUnits(amount: bigint): string {
  if (amount < 0n) throw new AmountError(`negative amount ${amount}`);
  return amount.toString(10);
}

/**
 * Parses a human decimal ("1.5" BTT) into base units with `decimals` digits of precision
 * (6 for BTT and TRX). More fractional digits than the token has is an error, never a rounding.
 */
export function parseDecimal(text: string, decimals: number): bigint {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) throw new AmountError(`"${text.slice(0, 64)}" is not a non-negative decimal number`);
  const whole = match[1] ?? "0";
  const fraction = match[3] ?? "";
  if (fraction.length > decimals) {
    throw new AmountError(`"${text}" has more than ${decimals} decimal places`);
  }
  const value = BigInt(whole + fraction.padEnd(decimals, "0"));
  if (value > MAX_AMOUNT) throw new AmountError(`${text} exceeds the maximum amount`);
  return value;
}

/** Prints base units as a decimal with `decimals` places, trailing zeros trimmed ("1.5"). */
export function formatDecimal(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString(10).padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export interface QuotientRemainder {
  quotient: bigint;
  remainder: bigint;
}

/** Exact floor(a·b / c) and its remainder (a·b mod c) for non-negative a, b and positive c. */
export function mulDivFloorRem(a: bigint, b: bigint, c: bigint): QuotientRemainder {
  if (a < 0n || b < 0n) throw new RangeError("mulDivFloor takes non-negative factors");
  if (c <= 0n) throw new RangeError("mulDivFloor takes a positive divisor");
  const product = a * b;
  return { quotient: product / c, remainder: product % c };
}

/** Exact floor(a·b / c) for non-negative a, b and positive c. */
export function mulDivFloor(a: bigint, b: bigint, c: bigint): bigint {
  return mulDivFloorRem(a, b, c).quotient;
}

export function sumAmounts(amounts: Iterable<bigint>): bigint {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

export function reduceFraction(numerator: bigint, denominator: bigint): Fraction {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const divisor = gcd(numerator, denominator) || 1n;
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

/**
 * numerator/denominator as a decimal string with at least `significantDigits` significant digits,
 * truncated (never rounded up), e.g. (1, 3, 12) → "0.333333333333".
 */
export function fractionToDecimal(numerator: bigint, denominator: bigint, significantDigits = 15): string {
  if (denominator <= 0n || numerator < 0n) throw new RangeError("expects numerator ≥ 0 and denominator > 0");
  const whole = numerator / denominator;
  let remainder = numerator % denominator;
  if (remainder === 0n) return whole.toString();
  let fraction = "";
  let significant = whole === 0n ? 0 : whole.toString().length;
  while (remainder !== 0n && significant < significantDigits) {
    remainder *= 10n;
    const digit = remainder / denominator;
    remainder %= denominator;
    fraction += digit.toString();
    if (significant > 0 || digit !== 0n) significant += 1;
  }
  return `${whole}.${fraction}`;
}

/** The smallest of some amounts (Math.min does not take bigints). */
export function minAmount(first: bigint, ...rest: bigint[]): bigint {
  let least = first;
  for (const amount of rest) if (amount < least) least = amount;
  return least;
}
