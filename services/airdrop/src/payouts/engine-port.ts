import type { PayoutEngine } from "@btt/payouts";
import { isAppError } from "@btt/shared/errors";
import type { PayoutPort } from "../rounds/payout-port.js";

/** The rounds' view of `@btt/payouts`: one batch per round (batch id = round id), memo kind `airdrop`. */
export function enginePort(engine: PayoutEngine): PayoutPort {
  return {
    async enqueue(client, batchId, payments) {
      await engine.enqueue(client, batchId, "airdrop", payments);
    },
    pause: (batchId, reason) => engine.pauseBatch(batchId, reason),
    resume: (batchId) => engine.resumeBatch(batchId),
    cancel: (batchId, reason) => engine.cancelBatch(batchId, reason),
    async progress(batchId) {
      try {
        const p = await engine.progress(batchId);
        return {
          state: p.state,
          stateReason: p.reason,
          pending: p.pending.count,
          inFlight: p.inFlight.count,
          confirmed: p.confirmed.count,
          failed: p.failed.count,
          cancelled: p.cancelled.count,
          confirmedAmount: p.confirmed.amount,
        };
      } catch (error) {
        if (isAppError(error) && error.code === "NOT_FOUND") return null;
        throw error;
      }
    },
  };
}
