import { randomUUID } from "node:crypto";
import type { CommandAcceptedV1, CommandRejectedV1 } from "@btt/shared/events";
import { type EventProducer, type RunningConsumer, runEventConsumer } from "@btt/shared/kafka";
import type { Logger } from "@btt/shared/logger";
import type { Kafka } from "kafkajs";
import type { z } from "zod";
import type { AccountEventHub } from "./account-events.js";
import type { SpeedThroughput } from "./speed-throughput.js";

export type Verdict =
  | { commandId: string; status: "accepted" }
  | { commandId: string; status: "rejected"; reason: string; message: string };

/** Verdicts that arrive before anyone waits for them are kept this long (the ledger can be fast). */
const RECENT_VERDICT_TTL_MS = 60_000;
const RECENT_VERDICTS_MAX = 50_000;

/**
 * The ledger's verdicts from `speed.events`, for `POST /v1/speed/commands?wait=`. Every gateway
 * instance reads all events through a consumer group of its own, so whichever instance took the
 * command sees its verdict.
 */
export class VerdictBoard {
  private readonly waiters = new Map<string, Set<(v: Verdict) => void>>();
  private readonly recent = new Map<string, { verdict: Verdict; at: number }>();

  record(verdict: Verdict, now = Date.now()): void {
    this.recent.set(verdict.commandId, { verdict, at: now });
    if (this.recent.size > RECENT_VERDICTS_MAX) {
      for (const [id, entry] of this.recent) {
        if (now - entry.at < RECENT_VERDICT_TTL_MS && this.recent.size <= RECENT_VERDICTS_MAX) break;
        this.recent.delete(id);
      }
    }
    const waiting = this.waiters.get(verdict.commandId);
    if (!waiting) return;
    this.waiters.delete(verdict.commandId);
    for (const resolve of waiting) resolve(verdict);
  }

  /** Resolves with the verdict, or null after `timeoutMs`. Register before producing. */
  wait(commandId: string, timeoutMs: number): { verdict: Promise<Verdict | null>; cancel(): void } {
    const known = this.recent.get(commandId);
    if (known && Date.now() - known.at < RECENT_VERDICT_TTL_MS)
      return { verdict: Promise.resolve(known.verdict), cancel() {} };
    let resolveWith: (v: Verdict | null) => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    const verdict = new Promise<Verdict | null>((resolve) => {
      resolveWith = resolve;
    });
    const listener = (v: Verdict) => {
      clearTimeout(timer);
      resolveWith(v);
    };
    const set = this.waiters.get(commandId) ?? new Set();
    set.add(listener);
    this.waiters.set(commandId, set);
    const cancel = () => {
      clearTimeout(timer);
      set.delete(listener);
      if (set.size === 0) this.waiters.delete(commandId);
      resolveWith(null);
    };
    timer = setTimeout(cancel, timeoutMs);
    return { verdict, cancel };
  }
}

export function verdictFromEvent(type: string, payload: unknown): Verdict | null {
  if (type === "command.accepted") {
    return { commandId: (payload as z.infer<typeof CommandAcceptedV1>).commandId, status: "accepted" };
  }
  if (type === "command.rejected") {
    const p = payload as z.infer<typeof CommandRejectedV1>;
    return { commandId: p.commandId, status: "rejected", reason: p.reason, message: p.message };
  }
  return null;
}

/**
 * Reads `speed.events` for this instance: verdicts go to the board (`?wait=`), and every event to
 * the event streams of the accounts it concerns (`GET /v1/speed/accounts/{address}/events`).
 */
export async function startVerdictConsumer(options: {
  kafka: Kafka;
  producer: EventProducer;
  board: VerdictBoard;
  accountEvents?: AccountEventHub;
  /** Counts the ledger's verdicts for GET /v1/speed/ledger/throughput. */
  throughput?: SpeedThroughput;
  logger: Logger;
}): Promise<RunningConsumer> {
  return runEventConsumer({
    kafka: options.kafka,
    // One group per instance: every instance sees every verdict.
    groupId: `gateway-verdicts-${randomUUID()}`,
    topics: ["speed.events"],
    fromBeginning: false,
    logger: options.logger,
    producer: options.producer,
    handle: async (event) => {
      const verdict = verdictFromEvent(event.envelope.type, event.envelope.payload);
      if (verdict) {
        options.board.record(verdict);
        options.throughput?.verdictSeen(verdict.status);
      }
      options.accountEvents?.publish(event);
    },
  });
}
