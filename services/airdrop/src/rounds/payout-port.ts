import type { PoolClient } from "@btt/shared/db";

/**
 * What the rounds need from the payout engine (`@btt/payouts`): one batch per round, payments
 * enqueued in the round's own transaction, and the batch's state and counts to mirror.
 */

export interface PaymentOrder {
  id: string;
  recipient: string;
  amount: bigint;
}

export type BatchState = "active" | "paused" | "cancelling" | "cancelled" | "completed";

export interface BatchProgress {
  state: BatchState;
  stateReason: string | null;
  pending: number;
  inFlight: number;
  confirmed: number;
  failed: number;
  cancelled: number;
  confirmedAmount: bigint;
}

export interface PayoutPort {
  /** Creates the batch and its payments inside the caller's transaction. */
  enqueue(client: PoolClient, batchId: string, payments: readonly PaymentOrder[]): Promise<void>;
  pause(batchId: string, reason: string): Promise<void>;
  resume(batchId: string): Promise<void>;
  cancel(batchId: string, reason: string): Promise<void>;
  progress(batchId: string): Promise<BatchProgress | null>;
}
