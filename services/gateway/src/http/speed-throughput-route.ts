import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import type { Express } from "express";
import { z } from "zod";
import type { ApiKeyRepository } from "../data/api-keys.js";
import type { SpeedThroughput } from "../messaging/speed-throughput.js";
import { requireRole } from "./auth.js";

extendZodWithOpenApi(z);

export const SPEED_THROUGHPUT_PATH = "/v1/speed/ledger/throughput";

const PerSecond = z.number().nonnegative();

/** The answer of GET /v1/speed/ledger/throughput (SpeedThroughput.report()). */
export const SpeedThroughputReport = z
  .object({
    windowSeconds: z.number().int().describe("how far back the figures look"),
    coveredSeconds: z
      .number()
      .int()
      .describe("seconds actually covered (less than the window just after this instance started)"),
    forwardedPerSecond: PerSecond.describe("commands this gateway instance put on speed.commands"),
    acceptedPerSecond: PerSecond.describe("commands the ledger accepted (its verdicts on speed.events)"),
    rejectedPerSecond: PerSecond.describe("commands the ledger rejected"),
    acceptanceLatencyMs: z
      .object({
        samples: z.number().int(),
        p50: z.number(),
        p95: z.number(),
        p99: z.number(),
        max: z.number(),
      })
      .nullable()
      .describe("forwarding to verdict, for `?wait` commands answered in time; null without any"),
    seconds: z
      .array(
        z.object({
          at: z.string().describe("ISO-8601 start of the second"),
          forwarded: z.number().int(),
          accepted: z.number().int(),
          rejected: z.number().int(),
        }),
      )
      .describe("the window, one entry per completed second, oldest first"),
  })
  .openapi("SpeedThroughput");

/**
 * Speed ledger health beside GET /v1/speed/ledger/check: commands per second and acceptance
 * latency over the last minute, as this gateway instance saw them (in memory, per instance).
 */
export function mountSpeedThroughputRoute(
  app: Express,
  deps: { keys: ApiKeyRepository; throughput: SpeedThroughput },
): void {
  app.get(SPEED_THROUGHPUT_PATH, requireRole(deps.keys, "operator"), (_req, res) => {
    res.json(deps.throughput.report());
  });
}
