import { ErrorBody } from "@btt/shared/http";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpeedThroughputReport } from "../src/http/speed-throughput-route.js";
import { SpeedThroughput } from "../src/messaging/speed-throughput.js";
import { bearer, EXCHANGE, OPERATOR, type ProxyHarness, startProxyHarness } from "./proxy-harness.js";

let harness: ProxyHarness;
beforeAll(async () => {
  harness = await startProxyHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe("GET /v1/speed/ledger/throughput", () => {
  it("answers the operator with the instance's rates and latencies, schema-valid", async () => {
    let nowMs = 1_800_000_000_000;
    const throughput = new SpeedThroughput(() => nowMs);
    for (let i = 0; i < 30; i += 1) throughput.commandForwarded();
    for (let i = 0; i < 24; i += 1) throughput.verdictSeen("accepted");
    throughput.verdictSeen("rejected");
    for (const ms of [12, 20, 35]) throughput.verdictWaited(ms);
    nowMs += 3000;
    const app = harness.appWith({}, { speed: { throughput } });
    const res = await request(app).get("/v1/speed/ledger/throughput").set(bearer(OPERATOR)).expect(200);
    const report = SpeedThroughputReport.parse(res.body);
    expect(report).toMatchObject({
      windowSeconds: 60,
      coveredSeconds: 3,
      forwardedPerSecond: 10,
      acceptedPerSecond: 8,
      rejectedPerSecond: 0.33,
      acceptanceLatencyMs: { samples: 3, p50: 20, max: 35 },
    });
    expect(report.seconds.map((s) => s.accepted)).toEqual([24, 0, 0]);
    // The ledger's own routes are not asked: this is the gateway's figure.
    expect(harness.ledger.received.some((r) => r.url.includes("throughput"))).toBe(false);
  });

  it("is operator-only: 403 for an exchange key, 401 without a key", async () => {
    const forbidden = await request(harness.app)
      .get("/v1/speed/ledger/throughput")
      .set(bearer(EXCHANGE))
      .expect(403);
    expect(ErrorBody.parse(forbidden.body).error.code).toBe("FORBIDDEN");
    const anonymous = await request(harness.app).get("/v1/speed/ledger/throughput").expect(401);
    expect(ErrorBody.parse(anonymous.body).error.code).toBe("UNAUTHENTICATED");
  });
});
