import { describe, expect, it } from "vitest";
import { LATENCY_SAMPLES_PER_SECOND_MAX, SpeedThroughput } from "./speed-throughput.js";

const START_MS = 1_800_000_000_000;

function clock() {
  let nowMs = START_MS;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("SpeedThroughput", () => {
  it("reports nothing before the first second is complete", () => {
    const c = clock();
    const t = new SpeedThroughput(c.now);
    t.commandForwarded();
    expect(t.report()).toMatchObject({
      coveredSeconds: 0,
      forwardedPerSecond: 0,
      acceptedPerSecond: 0,
      acceptanceLatencyMs: null,
      seconds: [],
    });
  });

  it("counts per completed second and divides by the seconds covered", () => {
    const c = clock();
    const t = new SpeedThroughput(c.now);
    for (let i = 0; i < 10; i += 1) t.commandForwarded();
    for (let i = 0; i < 8; i += 1) t.verdictSeen("accepted");
    t.verdictSeen("rejected");
    c.advance(1000);
    for (let i = 0; i < 6; i += 1) t.commandForwarded();
    c.advance(1000);
    const report = t.report();
    expect(report.coveredSeconds).toBe(2);
    expect(report.forwardedPerSecond).toBe(8);
    expect(report.acceptedPerSecond).toBe(4);
    expect(report.rejectedPerSecond).toBe(0.5);
    expect(report.seconds.map((s) => s.forwarded)).toEqual([10, 6]);
    expect(report.seconds[0]?.at).toBe(new Date(START_MS).toISOString());
  });

  it("forgets what is older than the window", () => {
    const c = clock();
    const t = new SpeedThroughput(c.now, 5);
    t.commandForwarded();
    t.verdictWaited(40);
    c.advance(10_000);
    t.commandForwarded();
    c.advance(1000);
    const report = t.report();
    expect(report.coveredSeconds).toBe(5);
    expect(report.seconds).toHaveLength(5);
    expect(report.forwardedPerSecond).toBe(0.2);
    expect(report.acceptanceLatencyMs).toBeNull();
  });

  it("summarises ?wait latencies with nearest-rank percentiles", () => {
    const c = clock();
    const t = new SpeedThroughput(c.now);
    for (let ms = 1; ms <= 100; ms += 1) t.verdictWaited(ms);
    c.advance(1000);
    expect(t.report().acceptanceLatencyMs).toEqual({ samples: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it("bounds the samples kept per second", () => {
    const c = clock();
    const t = new SpeedThroughput(c.now);
    for (let i = 0; i < LATENCY_SAMPLES_PER_SECOND_MAX + 50; i += 1) t.verdictWaited(5);
    c.advance(1000);
    expect(t.report().acceptanceLatencyMs?.samples).toBe(LATENCY_SAMPLES_PER_SECOND_MAX);
  });
});
