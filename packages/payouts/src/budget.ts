import type { Pool } from "@btt/shared/db";
import type { PayoutNode } from "./node.js";
import type { Tables } from "./tables.js";

/**
 * Budget guards: before claiming from a batch, the distributor's solidified balances must cover
 * everything that may still leave it — the batch's pending payments plus every live attempt of
 * any batch — in the token, and in TRX the bandwidth estimate for as many transfers. A shortfall
 * pauses the batch with a reason instead of failing halfway through it.
 *
 * The solidified balance already reflects live attempts confirmed in blocks the scan has not read
 * yet, which then count twice; so a shortfall while attempts are live only defers the claim, and
 * the batch is paused when it persists with none live (then the sums are exact).
 */

export interface BudgetSettings {
  /** TRX (sun) to keep on the distributor whatever the batch; default 0 */
  minTrxSun?: bigint;
  /**
   * Bandwidth estimate per transfer (sun); default 400,000 (a ~350-byte transfer burning 1,000
   * sun/byte with no staked bandwidth). A transfer creating its recipient burns 1.1 TRX more:
   * raise it for batches to new accounts, lower it to 0 with staked bandwidth.
   */
  trxPerPaymentSun?: bigint;
  /** How long a passing check is trusted; default 15 s (pending amounts only shrink). */
  checkIntervalMs?: number;
}

export type BudgetVerdict =
  | { kind: "ok" }
  | { kind: "wait"; reason: string }
  | { kind: "pause"; reason: string };

export const DEFAULT_TRX_PER_PAYMENT_SUN = 400_000n;

export class BudgetGuard {
  private readonly passed = new Map<string, number>();
  private readonly minTrxSun: bigint;
  private readonly trxPerPaymentSun: bigint;
  private readonly checkIntervalMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly tables: Tables,
    private readonly node: PayoutNode,
    private readonly distributor: string,
    private readonly tokenId: string,
    settings: BudgetSettings = {},
  ) {
    this.minTrxSun = settings.minTrxSun ?? 0n;
    this.trxPerPaymentSun = settings.trxPerPaymentSun ?? DEFAULT_TRX_PER_PAYMENT_SUN;
    this.checkIntervalMs = settings.checkIntervalMs ?? 15_000;
  }

  /** Forget a pass (after a resume: the operator may have funded the distributor, or not). */
  reset(batchId?: string): void {
    if (batchId === undefined) this.passed.clear();
    else this.passed.delete(batchId);
  }

  async check(batchId: string): Promise<BudgetVerdict> {
    const at = this.passed.get(batchId);
    if (at !== undefined && Date.now() - at < this.checkIntervalMs) return { kind: "ok" };
    const balances = await this.node.solidBalances(this.distributor, this.tokenId);
    const { rows } = await this.pool.query<{
      pending_n: bigint;
      pending_sum: string;
      live_n: bigint;
      live_sum: string;
    }>(
      `SELECT
         (SELECT count(*) FROM ${this.tables.payments} WHERE batch_id = $1 AND status = 'pending') AS pending_n,
         (SELECT coalesce(sum(amount), 0)::text FROM ${this.tables.payments}
           WHERE batch_id = $1 AND status = 'pending') AS pending_sum,
         live.n AS live_n, live.amount AS live_sum
       FROM (SELECT count(*) AS n, coalesce(sum(p.amount), 0)::text AS amount
             FROM ${this.tables.attempts} a JOIN ${this.tables.payments} p ON p.id = a.payment_id
             WHERE a.state IN ('signed', 'broadcast')) AS live`,
      [batchId],
    );
    const r = rows[0] as { pending_n: bigint; pending_sum: string; live_n: bigint; live_sum: string };
    const needToken = BigInt(r.pending_sum) + BigInt(r.live_sum);
    const transfers = r.pending_n + r.live_n;
    const needTrx = this.minTrxSun + transfers * this.trxPerPaymentSun;
    let reason: string | null = null;
    if (balances.token < needToken) {
      reason = `INSUFFICIENT_BTT: distributor ${this.distributor} has ${balances.token} of token ${this.tokenId}, needs ${needToken}`;
    } else if (balances.trx < needTrx) {
      reason = `INSUFFICIENT_TRX: distributor ${this.distributor} has ${balances.trx} sun, needs ${needTrx} for ${transfers} transfers`;
    }
    if (reason === null) {
      this.passed.set(batchId, Date.now());
      return { kind: "ok" };
    }
    this.passed.delete(batchId);
    return r.live_n > 0n ? { kind: "wait", reason } : { kind: "pause", reason };
  }
}
