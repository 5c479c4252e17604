import { AppError } from "@btt/shared/errors";
import { commandSigner, SignedSpeedCommand } from "@btt/shared/events";
import { parseInput } from "@btt/shared/http";
import type { EventProducer } from "@btt/shared/kafka";
import { verifyCommandSignature } from "@btt/shared/tron";
import type { Express } from "express";
import { z } from "zod";
import type { ForwardedCommands } from "../messaging/forwarded-commands.js";
import { forwardSpeedCommand } from "../messaging/speed-commands.js";
import type { SpeedThroughput } from "../messaging/speed-throughput.js";
import type { VerdictBoard } from "../messaging/verdicts.js";
import type { SpeedEventsDeps } from "./speed-events-route.js";

/** API.md: `?wait=<ms>` (≤ 5000). */
export const MAX_WAIT_MS = 5_000;
/** API.md: `notAfter` at most 24 h ahead. */
export const MAX_NOT_AFTER_AHEAD_MS = 24 * 60 * 60 * 1000;

const WaitQuery = z
  .object({
    wait: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(0)
      .max(MAX_WAIT_MS)
      .optional(),
  })
  .strict();

export interface SpeedRoutesDeps {
  producer: EventProducer;
  verdicts: VerdictBoard;
  /** `btt-speed/v1/<network>` of this deployment. */
  domain: string;
  now?: () => number;
  /** Commands this instance queued, for `GET /v1/speed/commands/{id}` (default: a fresh record). */
  forwarded?: ForwardedCommands;
  /** Event streams, fed by the speed.events consumer (default: a hub nothing feeds). */
  events?: SpeedEventsDeps;
  /** Commands/s and `?wait` latencies for GET /v1/speed/ledger/throughput (default: a fresh one). */
  throughput?: SpeedThroughput;
}

/**
 * `POST /v1/speed/commands`: shape, domain and signature are checked here, so bad commands never
 * reach Kafka; a good one is forwarded verbatim to `speed.commands` and answered 202 once Kafka
 * has it, or — with `?wait` — with the ledger's verdict when it comes in time.
 */
export function mountSpeedRoutes(app: Express, deps: SpeedRoutesDeps): void {
  const now = deps.now ?? Date.now;
  app.post("/v1/speed/commands", async (req, res) => {
    const { wait } = parseInput(WaitQuery, req.query, "query");
    const signed = parseInput(SignedSpeedCommand, req.body, "command");
    const { command } = signed;
    if (command.domain !== deps.domain) {
      throw new AppError("VALIDATION_FAILED", `this deployment accepts commands for ${deps.domain}`, {
        details: [{ path: "command.domain", message: `must be ${deps.domain}` }],
      });
    }
    if (BigInt(command.notAfter) > BigInt(now() + MAX_NOT_AFTER_AHEAD_MS)) {
      throw new AppError("VALIDATION_FAILED", "notAfter is more than 24 h ahead", {
        details: [{ path: "command.notAfter", message: "must be at most 24 h ahead (Unix ms)" }],
      });
    }
    if (!verifyCommandSignature(command, signed.signature, commandSigner(command))) {
      throw new AppError(
        "INVALID_SIGNATURE",
        `the signature does not recover ${commandSigner(command)}, who must sign a ${command.type}`,
      );
    }
    const waiting = wait ? deps.verdicts.wait(command.id, wait) : undefined;
    const startedMs = Date.now();
    try {
      await forwardSpeedCommand(deps.producer, signed, new Date(now()));
    } catch (error) {
      waiting?.cancel();
      throw error;
    }
    deps.forwarded?.add(command.id, command.type);
    deps.throughput?.commandForwarded();
    const verdict = waiting ? await waiting.verdict : null;
    if (verdict) deps.throughput?.verdictWaited(Date.now() - startedMs);
    if (!verdict) {
      res.status(202).json({ commandId: command.id, status: "queued" });
      return;
    }
    res
      .status(200)
      .json(
        verdict.status === "accepted"
          ? { commandId: command.id, status: "accepted" }
          : { commandId: command.id, status: "rejected", reason: verdict.reason },
      );
  });
}
