/** Counters of one engine instance since it was created (each worker keeps its own). */
export interface PayoutStats {
  workerId: string;
  /** attempts signed and committed */
  signed: number;
  /** broadcast requests answered (first sends and rebroadcasts) */
  broadcasts: number;
  /** answered SUCCESS or DUP_TRANSACTION_ERROR */
  accepted: number;
  rebroadcasts: number;
  confirmed: number;
  failedOnChain: number;
  expired: number;
  scannedBlocks: number;
  budgetPauses: number;
  /** every reply other than SUCCESS, by java-tron code (NO_REPLY: timeout or connection error) */
  broadcastErrors: Record<string, number>;
  /** must stay 0: a non-live attempt of ours seen in a solidified block */
  invariantViolations: number;
  solidHeight: number | null;
  solidTimeMs: number | null;
  lastError: string | null;
}

export function newStats(workerId: string): PayoutStats {
  return {
    workerId,
    signed: 0,
    broadcasts: 0,
    accepted: 0,
    rebroadcasts: 0,
    confirmed: 0,
    failedOnChain: 0,
    expired: 0,
    scannedBlocks: 0,
    budgetPauses: 0,
    broadcastErrors: {},
    invariantViolations: 0,
    solidHeight: null,
    solidTimeMs: null,
    lastError: null,
  };
}
