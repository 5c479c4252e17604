export { decodeBase58Address, encodeBase58Address, isPayableAddress } from "./address.js";
export type { BatchProgress, BatchTransition, StatusTotals } from "./batches.js";
export { type BudgetSettings, DEFAULT_TRX_PER_PAYMENT_SUN } from "./budget.js";
export { createPayoutEngine } from "./engine.js";
export { type EnqueueResult, enqueuePayments, type PaymentInput } from "./enqueue.js";
export { type AttemptWindow, isProvablyExpired, type ScanCoverage } from "./expiry.js";
export { formatMemo, memoHex, type PaymentMemo, parseMemo } from "./memo.js";
export type { PayoutEngine, PayoutEngineOptions, TickReport } from "./options.js";
export {
  ATTEMPT_STATES,
  type AttemptState,
  BATCH_STATES,
  type BatchState,
  PAYMENT_STATUSES,
  type PaymentStatus,
  type PayoutTablesShape,
  payoutTablesShape,
  payoutTablesSql,
} from "./schema.js";
export { addressOfPrivateKey, type PayoutSigner, privateKeySigner, signerFromEnv } from "./signer.js";
export type { PayoutStats } from "./stats.js";
export { type Tables, tablesIn } from "./tables.js";
export {
  buildTransferAsset,
  type ReferenceBlock,
  type SignedTransaction,
  type TransferAssetInput,
  transactionIdOf,
  type UnsignedTransaction,
} from "./transaction.js";
