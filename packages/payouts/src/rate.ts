import { setTimeout as sleep } from "node:timers/promises";

/** A token bucket bounding signatures per second (burst = one second's worth, at least 1). */
export class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();
  private readonly burst: number;

  constructor(private readonly ratePerSecond: number) {
    if (!(ratePerSecond > 0)) throw new RangeError("ratePerSecond must be > 0");
    this.burst = Math.max(1, ratePerSecond);
    this.tokens = this.burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  take(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** Waits until at least one token is there (or the signal aborts). */
  async waitForOne(signal?: AbortSignal): Promise<void> {
    while (this.available() < 1) {
      const ms = Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
      await sleep(Math.max(1, ms), undefined, signal ? { signal } : {});
    }
  }
}
