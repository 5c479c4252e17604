import type { Pool, PoolClient } from "@btt/shared/db";
import type { Logger } from "@btt/shared/logger";
import type { BatchProgress, BatchTransition } from "./batches.js";
import type { BudgetSettings } from "./budget.js";
import type { EnqueueResult, PaymentInput } from "./enqueue.js";
import type { ScanResult } from "./scan.js";
import type { BatchState } from "./schema.js";
import type { PayoutSigner } from "./signer.js";
import type { PayoutStats } from "./stats.js";

export interface PayoutEngineOptions {
  pool: Pool;
  /** the schema holding this user's payout tables (payoutTablesSql) */
  schema: string;
  fullHost: string;
  /** java-tron serves /walletsolidity on another port; TronGrid and the devnet on fullHost */
  solidityHost?: string;
  /** TronGrid's TRON-PRO-API-KEY */
  apiKey?: string;
  signer: PayoutSigner;
  /** TRC-10 id; default BTT, "1002000" */
  tokenId?: string;
  /** the `<kind>` of the memo `btt:<kind>:<paymentId>:<attempt>`, e.g. "airdrop" */
  memoKind: string;
  /** broadcasts in flight at once; default 8 */
  concurrency?: number;
  /** signatures per second; default 200 */
  ratePerSecond?: number;
  /** expiration after the reference block's time; default 60 s, at most 10 min (rule 3) */
  expirationMs?: number;
  /** payments claimed per database transaction; default 200 */
  claimBatchSize?: number;
  /** idle wait between work-loop steps; default 1 s */
  pollMs?: number;
  /** a live attempt is sent again after this long without confirmation; default 15 s */
  rebroadcastMs?: number;
  /** how long a fetched reference block is used; default 3 s */
  referenceRefreshMs?: number;
  /** solidified blocks per scan step; default 1,000 */
  scanMaxBlocks?: number;
  /** an attempt that expires as the n-th fails its payment instead of re-signing; default 20 */
  maxAttempts?: number;
  workerId?: string;
  logger?: Logger;
  /** budget guards; false turns them off */
  budget?: BudgetSettings | false;
  /** called in the process that made the transition (pause, resume, cancel, settle) */
  onBatchStateChange?: (batchId: string, state: BatchState, reason: string | null) => void | Promise<void>;
  nodeTimeoutMs?: number;
}

export interface TickReport {
  scan: ScanResult | null;
  settled: BatchTransition[];
  signed: number;
  rebroadcast: number;
}

export interface PayoutEngine {
  readonly address: string;
  readonly workerId: string;
  enqueue(
    client: PoolClient,
    batchId: string,
    kind: string,
    payments: Iterable<PaymentInput> | AsyncIterable<PaymentInput>,
  ): Promise<EnqueueResult>;
  pauseBatch(batchId: string, reason: string): Promise<void>;
  resumeBatch(batchId: string): Promise<void>;
  cancelBatch(batchId: string, reason: string): Promise<void>;
  progress(batchId: string): Promise<BatchProgress>;
  stats(): PayoutStats;
  /** One pass of the work loop, waiting for its broadcasts (tests; start() loops on its own). */
  tick(): Promise<TickReport>;
  start(): void;
  stop(): Promise<void>;
}
