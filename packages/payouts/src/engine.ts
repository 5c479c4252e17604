import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { PoolClient } from "@btt/shared/db";
import { errorMessage, isRetryable } from "@btt/shared/errors";
import { createLogger, type Logger } from "@btt/shared/logger";
import { BTT_TOKEN_ID } from "@btt/shared/tron";
import { decodeBase58Address } from "./address.js";
import { recordReplies, takeDueRebroadcasts } from "./attempts.js";
import {
  type BatchProgress,
  type BatchTransition,
  batchProgress,
  cancelBatch,
  pauseBatch,
  resumeBatch,
  settleBatches,
} from "./batches.js";
import { Broadcaster, type RecordedReply } from "./broadcaster.js";
import { BudgetGuard } from "./budget.js";
import { claimAndSign } from "./claim.js";
import { enqueuePayments, type PaymentInput } from "./enqueue.js";
import { isMemoKind } from "./memo.js";
import { ChainDataError, PayoutNode } from "./node.js";
import type { PayoutEngine, PayoutEngineOptions, TickReport } from "./options.js";
import { TokenBucket } from "./rate.js";
import { ensureScanCursor, type ScanResult, scanSolidBlocks } from "./scan.js";
import { newStats, type PayoutStats } from "./stats.js";
import { type Tables, tablesIn } from "./tables.js";
import type { ReferenceBlock } from "./transaction.js";

const MAX_EXPIRATION_MS = 600_000;

export function createPayoutEngine(options: PayoutEngineOptions): PayoutEngine {
  return new Engine(options);
}

class Engine implements PayoutEngine {
  readonly address: string;
  readonly workerId: string;
  private readonly tables: Tables;
  private readonly node: PayoutNode;
  private readonly logger: Logger;
  private readonly ownerBytes: Buffer;
  private readonly bucket: TokenBucket;
  private readonly broadcaster: Broadcaster;
  private readonly guard: BudgetGuard | null;
  private readonly counters: PayoutStats;
  private readonly settings: Required<
    Pick<
      PayoutEngineOptions,
      | "tokenId"
      | "expirationMs"
      | "claimBatchSize"
      | "pollMs"
      | "rebroadcastMs"
      | "referenceRefreshMs"
      | "scanMaxBlocks"
      | "maxAttempts"
    >
  >;
  private reference: { block: ReferenceBlock; fetchedAt: number } | null = null;
  private cursorReady = false;
  private lastRebroadcastAt = 0;
  private loop: Promise<void> | null = null;
  private abort = new AbortController();

  constructor(private readonly options: PayoutEngineOptions) {
    if (!isMemoKind(options.memoKind))
      throw new RangeError(`memoKind must be a lower-case word: ${options.memoKind}`);
    const owner = decodeBase58Address(options.signer.address);
    if (!owner) throw new RangeError(`the signer's address is not a base58 TRON address`);
    const expirationMs = options.expirationMs ?? 60_000;
    if (!Number.isInteger(expirationMs) || expirationMs < 3_000 || expirationMs > MAX_EXPIRATION_MS)
      throw new RangeError(`expirationMs must be between 3,000 and ${MAX_EXPIRATION_MS}`);
    this.ownerBytes = owner;
    this.address = options.signer.address;
    this.workerId = options.workerId ?? `payouts-${randomUUID().slice(0, 8)}`;
    this.tables = tablesIn(options.schema);
    this.logger = (options.logger ?? createLogger({ service: "payouts", level: "silent" })).child({
      component: "payouts",
      workerId: this.workerId,
      schema: options.schema,
    });
    this.settings = {
      tokenId: options.tokenId ?? BTT_TOKEN_ID,
      expirationMs,
      claimBatchSize: options.claimBatchSize ?? 200,
      pollMs: options.pollMs ?? 1_000,
      rebroadcastMs: options.rebroadcastMs ?? 15_000,
      referenceRefreshMs: options.referenceRefreshMs ?? 3_000,
      scanMaxBlocks: options.scanMaxBlocks ?? 1_000,
      maxAttempts: options.maxAttempts ?? 20,
    };
    this.node = new PayoutNode({
      fullHost: options.fullHost,
      ...(options.solidityHost ? { solidityHost: options.solidityHost } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.nodeTimeoutMs ? { timeoutMs: options.nodeTimeoutMs } : {}),
      maxSockets: options.concurrency ?? 8,
      logger: this.logger,
    });
    this.bucket = new TokenBucket(options.ratePerSecond ?? 200);
    this.counters = newStats(this.workerId);
    this.broadcaster = new Broadcaster(this.node, options.concurrency ?? 8, (reply) =>
      this.countReply(reply),
    );
    this.guard =
      options.budget === false
        ? null
        : new BudgetGuard(
            options.pool,
            this.tables,
            this.node,
            this.address,
            this.settings.tokenId,
            options.budget,
          );
  }

  enqueue(
    client: PoolClient,
    batchId: string,
    kind: string,
    payments: Iterable<PaymentInput> | AsyncIterable<PaymentInput>,
  ) {
    return enqueuePayments(client, this.tables, batchId, kind, payments);
  }

  async pauseBatch(batchId: string, reason: string): Promise<void> {
    await this.announce(await pauseBatch(this.options.pool, this.tables, batchId, reason));
  }

  async resumeBatch(batchId: string): Promise<void> {
    this.guard?.reset(batchId);
    await this.announce(await resumeBatch(this.options.pool, this.tables, batchId));
  }

  async cancelBatch(batchId: string, reason: string): Promise<void> {
    await this.announce(await cancelBatch(this.options.pool, this.tables, batchId, reason));
  }

  progress(batchId: string): Promise<BatchProgress> {
    return batchProgress(this.options.pool, this.tables, batchId);
  }

  stats(): PayoutStats {
    return { ...this.counters, broadcastErrors: { ...this.counters.broadcastErrors } };
  }

  async tick(): Promise<TickReport> {
    const report = await this.step();
    await this.broadcaster.idle();
    await this.flushReplies();
    return report;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
    await this.broadcaster.idle();
    await this.flushReplies().catch((error) => this.logger.warn({ err: error }, "final reply flush failed"));
    this.node.close();
  }

  private async run(): Promise<void> {
    this.logger.info({ address: this.address }, "payout engine started");
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const report = await this.step();
        await this.flushReplies();
        failures = 0;
        const busy = report.signed > 0 || (report.scan?.blocks ?? 0) > 0 || this.broadcaster.backlog > 0;
        if (!busy) await this.pause(this.settings.pollMs);
      } catch (error) {
        failures += 1;
        this.counters.lastError = errorMessage(error);
        const delayMs = Math.min(30_000, 100 * 2 ** Math.min(failures, 8));
        const level = error instanceof ChainDataError || !isRetryable(error) ? "error" : "warn";
        this.logger[level]({ err: error, retryInMs: delayMs }, "payout step failed; backing off");
        await this.pause(delayMs);
      }
    }
    this.logger.info(this.stats(), "payout engine stopped");
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {});
  }

  private async step(): Promise<TickReport> {
    if (!this.cursorReady) {
      await ensureScanCursor(this.options.pool, this.tables, this.node);
      this.cursorReady = true;
    }
    const scan = await this.scan();
    const settled = await settleBatches(this.options.pool, this.tables);
    for (const t of settled) await this.announce(t);
    const rebroadcast = await this.rebroadcastDue();
    const signed = await this.claimRound();
    return { scan, settled, signed, rebroadcast };
  }

  private async scan(): Promise<ScanResult> {
    const result = await scanSolidBlocks({
      pool: this.options.pool,
      tables: this.tables,
      node: this.node,
      ownerHex: this.ownerBytes.toString("hex"),
      maxBlocks: this.settings.scanMaxBlocks,
      maxAttempts: this.settings.maxAttempts,
    });
    const c = this.counters;
    c.scannedBlocks += result.blocks;
    c.confirmed += result.confirmed;
    c.failedOnChain += result.failedOnChain;
    c.expired += result.expired;
    if (result.solidHeight !== null) {
      c.solidHeight = result.solidHeight;
      c.solidTimeMs = result.solidTimeMs;
    }
    if (result.unexpected.length > 0) {
      c.invariantViolations += result.unexpected.length;
      this.logger.fatal(
        { txIds: result.unexpected },
        "INVARIANT: an attempt that was not live landed in a solidified block (a payment may be doubled)",
      );
    }
    if (result.expired > 0) this.logger.debug({ expired: result.expired }, "attempts provably expired");
    return result;
  }

  /**
   * The head block new attempts reference (TAPOS) and count their expiration from. Refreshed every
   * `referenceRefreshMs`, and at once when chain time has moved on: once the solidified head is a
   * quarter of the lifetime past the reference, attempts built on it would live too short (or, after
   * a jump of the chain clock, be born expired and burn their attempts).
   */
  private async referenceBlock(): Promise<ReferenceBlock> {
    const now = Date.now();
    const chainMovedOn =
      this.reference !== null &&
      this.counters.solidTimeMs !== null &&
      this.counters.solidTimeMs >= this.reference.block.timestampMs + this.settings.expirationMs / 4;
    if (
      !this.reference ||
      chainMovedOn ||
      now - this.reference.fetchedAt >= this.settings.referenceRefreshMs
    ) {
      const head = await this.node.head();
      this.reference = {
        block: { number: head.number, id: head.id, timestampMs: head.timestampMs },
        fetchedAt: now,
      };
    }
    return this.reference.block;
  }

  /** Signs and hands to the broadcaster as much as rate, backlog and budgets allow. */
  private async claimRound(): Promise<number> {
    const { pool } = this.options;
    const { claimBatchSize } = this.settings;
    if (this.broadcaster.backlog >= claimBatchSize * 2) {
      await this.broadcaster.waitBelow(claimBatchSize);
      return 0;
    }
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM ${this.tables.batches} WHERE state = 'active' ORDER BY created_at, id LIMIT 50`,
    );
    let signed = 0;
    for (const { id } of rows) {
      if (this.guard) {
        const verdict = await this.guard.check(id);
        if (verdict.kind === "wait") {
          this.logger.debug(
            { batchId: id, reason: verdict.reason },
            "budget short while attempts are live; waiting",
          );
          continue;
        }
        if (verdict.kind === "pause") {
          this.counters.budgetPauses += 1;
          this.logger.warn({ batchId: id, reason: verdict.reason }, "budget guard pauses the batch");
          await this.announce(await pauseBatch(pool, this.tables, id, verdict.reason).catch(() => null));
          continue;
        }
      }
      await this.bucket.waitForOne(this.abort.signal).catch(() => {});
      const limit = Math.min(claimBatchSize, this.bucket.available());
      if (limit < 1) break;
      const claim = await claimAndSign({
        pool,
        tables: this.tables,
        signer: this.options.signer,
        ownerBytes: this.ownerBytes,
        tokenId: this.settings.tokenId,
        memoKind: this.options.memoKind,
        expirationMs: this.settings.expirationMs,
        reference: await this.referenceBlock(),
        batchId: id,
        limit,
      });
      this.bucket.take(claim.attempts.length);
      this.counters.signed += claim.attempts.length;
      signed += claim.attempts.length;
      this.broadcaster.submit(claim.attempts.map((a) => ({ txId: a.txId, transaction: a.transaction })));
      if (signed >= claimBatchSize) break;
    }
    return signed;
  }

  /**
   * Live attempts not confirmed after `rebroadcastMs` are sent again (a dropped broadcast lands
   * this way, before its expiration) — the same signed bytes, never a new signature.
   */
  private async rebroadcastDue(): Promise<number> {
    const now = Date.now();
    if (now - this.lastRebroadcastAt < Math.min(1_000, this.settings.rebroadcastMs / 2)) return 0;
    this.lastRebroadcastAt = now;
    const rows = await takeDueRebroadcasts(this.options.pool, this.tables, {
      rebroadcastMs: this.settings.rebroadcastMs,
      chainTimeMs: this.reference?.block.timestampMs ?? 0,
      limit: this.settings.claimBatchSize * 2,
    });
    this.counters.rebroadcasts += rows.length;
    this.broadcaster.submit(rows);
    return rows.length;
  }

  private countReply(reply: RecordedReply): void {
    const c = this.counters;
    c.broadcasts += 1;
    if (reply.accepted) c.accepted += 1;
    if (reply.code !== "SUCCESS") c.broadcastErrors[reply.code] = (c.broadcastErrors[reply.code] ?? 0) + 1;
  }

  private async flushReplies(): Promise<void> {
    const replies = this.broadcaster.takeReplies();
    if (replies.length === 0) return;
    try {
      await recordReplies(this.options.pool, this.tables, replies);
    } catch (error) {
      this.broadcaster.restoreReplies(replies);
      throw error;
    }
  }

  private async announce(transition: BatchTransition | null): Promise<void> {
    if (!transition) return;
    const { batchId, state, reason } = transition;
    this.logger.info({ batchId, state, reason }, "payout batch state changed");
    try {
      await this.options.onBatchStateChange?.(batchId, state, reason);
    } catch (error) {
      this.logger.error({ err: error, batchId, state }, "onBatchStateChange hook failed");
    }
  }
}
