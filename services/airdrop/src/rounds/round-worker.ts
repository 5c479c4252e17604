import type { Pool } from "@btt/shared/db";
import { isAppError } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import type { RoundComputer } from "./round-computer.js";
import type { RoundService } from "./round-service.js";

/**
 * Moves rounds along without an operator: computes `computing` rounds once their snapshot is
 * there, applies the devnet auto-approve policy, and mirrors payout batches into round states
 * (completed, paused by a budget guard, cancelled). One pass is `tick()`; `run()` loops.
 */
export class RoundWorker {
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly deps: {
      pool: Pool;
      rounds: RoundService;
      computer: RoundComputer;
      logger: Logger;
      pollMs: number;
    },
  ) {}

  async tick(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ id: string; status: string; auto_approve: boolean }>(
      `SELECT id, status, auto_approve FROM airdrop.rounds
        WHERE status IN ('computing', 'distributing', 'paused', 'cancelling')
           OR (status = 'computed' AND auto_approve)
        ORDER BY created_at`,
    );
    for (const round of rows) {
      try {
        if (round.status === "computing") await this.deps.computer.advance(round.id);
        else if (round.status === "computed") await this.deps.rounds.autoApprove(round.id);
        else await this.deps.rounds.sync(round.id);
      } catch (error) {
        if (isAppError(error) && error.retryable) {
          this.deps.logger.debug({ roundId: round.id, err: error }, "round step will be retried");
        } else {
          this.deps.logger.error({ roundId: round.id, err: error }, "round step failed");
        }
      }
    }
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (error) {
        this.deps.logger.error({ err: error }, "round worker pass failed");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Runs the next pass now (after an operator action). */
  poke(): void {
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.poke();
  }
}
