import { hash } from "node:crypto";

/**
 * Deterministic pseudo-random numbers for the genesis generator (never Math.random).
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 32-bit): 128 bits of state, good
 * statistical quality, and only 32-bit integer arithmetic, so the output is identical on every
 * JavaScript engine. Every derived value uses exact operations only (integer arithmetic, and
 * multiplication/division by powers of two), so no result depends on the engine's Math library.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A generator whose state is the first 16 bytes of sha256(label). */
  static fromLabel(label: string): Sfc32 {
    const digest = hash("sha256", label, "buffer");
    return new Sfc32(
      digest.readUInt32BE(0),
      digest.readUInt32BE(4),
      digest.readUInt32BE(8),
      digest.readUInt32BE(12),
    );
  }

  /** Four 32-bit words from sha256(label), for keyed per-index streams (see {@link Sfc32.forIndex}). */
  static keyFromLabel(label: string): Uint32Array {
    const digest = hash("sha256", label, "buffer");
    return Uint32Array.of(
      digest.readUInt32BE(0),
      digest.readUInt32BE(4),
      digest.readUInt32BE(8),
      digest.readUInt32BE(12),
    );
  }

  /**
   * An independent stream for item `index` under `key`: cheap (no hashing), so a stream can be
   * rebuilt for any index at any time and yields the same numbers.
   */
  static forIndex(key: Uint32Array, index: number): Sfc32 {
    const k0 = key[0] ?? 0;
    const k1 = key[1] ?? 0;
    const k2 = key[2] ?? 0;
    const k3 = key[3] ?? 0;
    return new Sfc32(
      fmix32(k0 ^ index),
      fmix32((k1 + Math.imul(index, 0x9e3779b9)) | 0),
      fmix32(k2 ^ Math.imul(index, 0x85ebca6b)),
      k3 ^ fmix32(index + 1),
    );
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 53 random bits (exact: integer composition, power-of-two scale). */
  nextFloat(): number {
    const hi = this.nextU32() >>> 11; // 21 bits
    const lo = this.nextU32(); // 32 bits
    return (hi * 4294967296 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), 1 ≤ n ≤ 2^53. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`below(n): n must be a positive safe integer, got ${n}`);
    if (n <= 4294967296) return Math.floor((this.nextU32() / 4294967296) * n);
    return Math.floor(this.nextFloat() * n);
  }

  /** True with probability p (p is a constant such as 0.15). */
  chance(p: number): boolean {
    return this.nextU32() < Math.floor(p * 4294967296);
  }

  /** Picks an index according to integer weights. */
  weighted(weights: readonly number[], total: number): number {
    let r = this.below(total);
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] ?? 0;
      if (r < w) return i;
      r -= w;
    }
    return weights.length - 1;
  }
}

/** MurmurHash3's 32-bit finaliser: a bijective avalanche mix. */
export function fmix32(h: number): number {
  let x = h | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A heavy-tailed magnitude table: bucket k covers whole numbers in [10^(first+k), 10^(first+k+1)),
 * chosen with integer weight weights[k]. Within a decade the value is drawn from the sub-ranges
 * [1,2), [2,5), [5,10) × 10^e with weights 30/40/30 (≈ log-uniform), then uniformly inside.
 */
export interface MagnitudeTable {
  firstDecade: number;
  weights: readonly number[];
  total: number;
}

export function magnitudeTable(firstDecade: number, weights: readonly number[]): MagnitudeTable {
  return { firstDecade, weights, total: weights.reduce((s, w) => s + w, 0) };
}

const SUB_RANGES: readonly (readonly [number, number])[] = [
  [1, 2],
  [2, 5],
  [5, 10],
];
const SUB_WEIGHTS = [30, 40, 30] as const;

/** Exact powers of ten as integer literals (no Math.pow). */
const POW10: readonly number[] = [
  1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
  100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
];

/** A whole number drawn from the table (a safe integer; decades 0…13). */
export function drawMagnitude(rng: Sfc32, table: MagnitudeTable): number {
  const decade = table.firstDecade + rng.weighted(table.weights, table.total);
  const sub = SUB_RANGES[rng.weighted(SUB_WEIGHTS, 100)] ?? [1, 10];
  const unit = POW10[decade];
  if (unit === undefined) throw new RangeError(`magnitude decade ${decade} out of range`);
  const low = sub[0] * unit;
  return low + rng.below((sub[1] - sub[0]) * unit);
}
