import type { BroadcastReply, PayoutNode } from "./node.js";
import type { SignedTransaction } from "./transaction.js";

export interface BroadcastJob {
  txId: string;
  transaction: SignedTransaction;
}

export interface RecordedReply extends BroadcastReply {
  txId: string;
}

/**
 * Sends committed attempts with at most `concurrency` requests in flight over keep-alive HTTP and
 * keeps the replies for one batched UPDATE (engine.ts). A reply is a record, never a decision
 * (rule 4): nothing here re-signs or gives up on an attempt.
 */
export class Broadcaster {
  private readonly queue: BroadcastJob[] = [];
  private active = 0;
  private replies: RecordedReply[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    private readonly node: PayoutNode,
    private readonly concurrency: number,
    private readonly onReply: (reply: RecordedReply) => void,
  ) {}

  get backlog(): number {
    return this.queue.length + this.active;
  }

  submit(jobs: readonly BroadcastJob[]): void {
    for (const job of jobs) this.queue.push(job);
    this.pump();
  }

  takeReplies(): RecordedReply[] {
    const out = this.replies;
    this.replies = [];
    return out;
  }

  /** Puts replies back after a failed flush (they are informational; order does not matter). */
  restoreReplies(replies: RecordedReply[]): void {
    this.replies.push(...replies);
  }

  /** Resolves once the backlog is at most `max`. */
  waitBelow(max: number): Promise<void> {
    if (this.backlog <= max) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.backlog <= max) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  idle(): Promise<void> {
    return this.waitBelow(0);
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as BroadcastJob;
      this.active += 1;
      void this.node.broadcast(job.transaction).then((reply) => {
        this.active -= 1;
        const recorded = { txId: job.txId, ...reply };
        this.replies.push(recorded);
        this.onReply(recorded);
        this.pump();
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      });
    }
  }
}
