import type { PayoutEngine } from "@btt/payouts";
import { isAppError } from "@btt/shared/errors";
import type { WithdrawalPort } from "../ledger/apply-commands.js";

/**
 * Withdrawals through `@btt/payouts`: every withdrawal is one payment (payment id = withdrawal
 * id, memo `btt:withdrawal:<id>:<attempt>`) in the single batch `withdrawals`, so a halt pauses
 * them all and a resume lets them go on.
 */
export const WITHDRAWALS_BATCH = "withdrawals";
export const WITHDRAWAL_MEMO_KIND = "withdrawal";

export function withdrawalPort(engine: Pick<PayoutEngine, "enqueue">): WithdrawalPort {
  return {
    async enqueue(client, w) {
      await engine.enqueue(client, WITHDRAWALS_BATCH, WITHDRAWAL_MEMO_KIND, [
        { id: w.id, recipient: w.to, amount: w.amount },
      ]);
      // Enqueueing reopens a completed batch; while reconciliation halts withdrawals it must not
      // become claimable, not even for the moment before the settler pauses it again.
      await client.query(
        `UPDATE payout_batches b SET state = 'paused', state_reason = r.halt_reason, updated_at = now()
           FROM reconciliation r WHERE b.id = $1 AND r.id = 1 AND r.halted AND b.state = 'active'`,
        [WITHDRAWALS_BATCH],
      );
    },
  };
}

/** Halting and resuming the withdrawals batch; a batch that does not exist yet has nothing to stop. */
export function withdrawalSwitch(engine: Pick<PayoutEngine, "pauseBatch" | "resumeBatch">) {
  const ignoreMissing = (error: unknown) => {
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "CONFLICT")) return;
    throw error;
  };
  return {
    halt: (reason: string) => engine.pauseBatch(WITHDRAWALS_BATCH, reason).catch(ignoreMissing),
    resume: () => engine.resumeBatch(WITHDRAWALS_BATCH).catch(ignoreMissing),
  };
}
