/** How far back the Speed throughput figures look. */
export const THROUGHPUT_WINDOW_SECONDS = 60;
/** Latency samples kept per second of the window (bounds memory; later ones that second are dropped). */
export const LATENCY_SAMPLES_PER_SECOND_MAX = 2_000;

interface SecondBucket {
  /** Unix second this bucket counts. */
  second: number;
  forwarded: number;
  accepted: number;
  rejected: number;
  latenciesMs: number[];
}

export interface ThroughputSecond {
  at: string;
  forwarded: number;
  accepted: number;
  rejected: number;
}

export interface ThroughputReport {
  windowSeconds: number;
  /** Seconds the figures actually cover: less than the window just after this instance started. */
  coveredSeconds: number;
  /** Commands this gateway instance put on `speed.commands`, per second over the window. */
  forwardedPerSecond: number;
  /** Verdicts the ledger published on `speed.events` (every instance's commands), per second. */
  acceptedPerSecond: number;
  rejectedPerSecond: number;
  /** From forwarding to the ledger's verdict, for commands sent with `?wait` that got one in time. */
  acceptanceLatencyMs: { samples: number; p50: number; p95: number; p99: number; max: number } | null;
  /** The window, one entry per second, oldest first; the current (incomplete) second is left out. */
  seconds: ThroughputSecond[];
}

/**
 * The Speed traffic this gateway instance sees, over the last minute, in memory: what it forwards
 * (POST /v1/speed/commands), the ledger's verdicts it reads from `speed.events`, and how long
 * `?wait` callers waited for theirs. Per instance; nothing is persisted.
 */
export class SpeedThroughput {
  private readonly buckets: SecondBucket[] = [];
  private readonly startedSecond: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowSeconds = THROUGHPUT_WINDOW_SECONDS,
  ) {
    this.startedSecond = Math.floor(now() / 1000);
  }

  commandForwarded(): void {
    this.bucket().forwarded += 1;
  }

  verdictSeen(status: "accepted" | "rejected"): void {
    this.bucket()[status] += 1;
  }

  verdictWaited(latencyMs: number): void {
    const bucket = this.bucket();
    if (bucket.latenciesMs.length < LATENCY_SAMPLES_PER_SECOND_MAX) bucket.latenciesMs.push(latencyMs);
  }

  report(): ThroughputReport {
    const current = Math.floor(this.now() / 1000);
    const first = Math.max(current - this.windowSeconds, this.startedSecond);
    const covered = Math.max(current - first, 0);
    const bySecond = new Map(this.buckets.map((b) => [b.second, b]));
    const seconds: ThroughputSecond[] = [];
    const latencies: number[] = [];
    const totals = { forwarded: 0, accepted: 0, rejected: 0 };
    for (let second = first; second < current; second += 1) {
      const b = bySecond.get(second);
      const entry = {
        at: new Date(second * 1000).toISOString(),
        forwarded: b?.forwarded ?? 0,
        accepted: b?.accepted ?? 0,
        rejected: b?.rejected ?? 0,
      };
      seconds.push(entry);
      totals.forwarded += entry.forwarded;
      totals.accepted += entry.accepted;
      totals.rejected += entry.rejected;
      if (b) latencies.push(...b.latenciesMs);
    }
    const rate = (n: number) => (covered === 0 ? 0 : round2(n / covered));
    return {
      windowSeconds: this.windowSeconds,
      coveredSeconds: covered,
      forwardedPerSecond: rate(totals.forwarded),
      acceptedPerSecond: rate(totals.accepted),
      rejectedPerSecond: rate(totals.rejected),
      acceptanceLatencyMs: summarise(latencies),
      seconds,
    };
  }

  /** The current second's bucket; older than the window are dropped. */
  private bucket(): SecondBucket {
    const second = Math.floor(this.now() / 1000);
    const last = this.buckets.at(-1);
    if (last?.second === second) return last;
    const fresh = { second, forwarded: 0, accepted: 0, rejected: 0, latenciesMs: [] };
    this.buckets.push(fresh);
    while ((this.buckets[0]?.second ?? second) <= second - this.windowSeconds - 1) this.buckets.shift();
    return fresh;
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function summarise(latencies: number[]): ThroughputReport["acceptanceLatencyMs"] {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return {
    samples: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.at(-1) ?? 0,
  };
}
