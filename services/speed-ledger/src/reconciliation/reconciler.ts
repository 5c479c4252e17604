import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "@btt/shared/db";
import { errorMessage } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import type { LedgerMetrics } from "../metrics.js";
import type { CustodyReading } from "./custody-chain.js";
import { checkInvariants, type InvariantReport, type LedgerTotals, ledgerTotals } from "./invariants.js";

/**
 * Reconciliation (ARCHITECTURE.md): Σ(user available + locked + pools + withdrawals in flight)
 * must equal the custody address's BTT on chain. The chain is read at its solidified head H; the
 * ledger is taken back to H exactly: deposits from blocks after H are subtracted, withdrawals
 * confirmed after H are added back (the chain still holds them at H), and withdrawals already
 * confirmed at or below H but not yet posted are taken out. The comparison is only made once the
 * indexer has processed deposits up to H (else `pending`), and a drift halts withdrawals only
 * when it persists over `haltAfterChecks` evaluations spanning `haltAfterMs` (a deposit can be in
 * flight between the indexer and the ledger for a moment). A drift of zero lifts the halt.
 */

export interface ReconciliationResult {
  ok: boolean;
  state: "balanced" | "drift" | "pending" | "error";
  reason: string | null;
  evaluatedAt: string;
  height: number | null;
  totals: Record<keyof LedgerTotals, string>;
  /** What the ledger owed at `height`. */
  owedAtHeight: string | null;
  custodyOnChain: string | null;
  /** custodyOnChain − owedAtHeight. */
  drift: string | null;
  invariants: InvariantReport;
  withdrawalsHalted: boolean;
  haltReason: string | null;
}

export interface ReconcilerOptions {
  pool: Pool;
  readCustody: () => Promise<CustodyReading>;
  /** Height up to which the indexer has published deposits (null: unknown, compare anyway). */
  indexedHeight: () => Promise<number | null>;
  /** Called when withdrawals must stop or may go on again. */
  halt: (reason: string) => Promise<void>;
  resume: () => Promise<void>;
  logger: Logger;
  metrics?: LedgerMetrics;
  intervalMs?: number;
  haltAfterChecks?: number;
  haltAfterMs?: number;
  clock?: () => Date;
}

const str = (t: LedgerTotals) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, String(v)])) as Record<keyof LedgerTotals, string>;

export class Reconciler {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly clock: () => Date;

  constructor(private readonly options: ReconcilerOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Evaluates now, without changing the halt state (GET /ledger/check). */
  async evaluate(): Promise<ReconciliationResult> {
    const { pool } = this.options;
    const [invariants, totals, state] = await Promise.all([
      checkInvariants(pool),
      ledgerTotals(pool),
      pool.query<{ halted: boolean; halt_reason: string | null }>(
        `SELECT halted, halt_reason FROM reconciliation WHERE id = 1`,
      ),
    ]);
    const base = {
      evaluatedAt: this.clock().toISOString(),
      totals: str(totals),
      invariants,
      withdrawalsHalted: state.rows[0]?.halted ?? false,
      haltReason: state.rows[0]?.halt_reason ?? null,
    };
    let custody: CustodyReading;
    let indexed: number | null;
    try {
      [custody, indexed] = await Promise.all([this.options.readCustody(), this.options.indexedHeight()]);
    } catch (error) {
      return {
        ...base,
        ok: false,
        state: "error",
        reason: `the chain or the indexer cannot be read: ${errorMessage(error)}`,
        height: null,
        owedAtHeight: null,
        custodyOnChain: null,
        drift: null,
      };
    }
    const height = custody.height;
    const adjust = await pool.query<{
      later_deposits: string;
      later_withdrawals: string;
      landed_unposted: string;
      unsettled: string;
      scan: string | null;
    }>(
      `SELECT
         (SELECT COALESCE(sum(amount), 0) FROM deposits WHERE block_number > $1)::text AS later_deposits,
         (SELECT COALESCE(sum(amount), 0) FROM withdrawals WHERE status = 'confirmed' AND block_number > $1)::text AS later_withdrawals,
         (SELECT COALESCE(sum(w.amount), 0) FROM withdrawals w JOIN payments p ON p.id = w.id
           WHERE w.status IN ('reserved', 'broadcast') AND p.status = 'confirmed' AND p.block_number <= $1)::text AS landed_unposted,
         (SELECT count(*) FROM withdrawals w JOIN payments p ON p.id = w.id
           WHERE w.status IN ('reserved', 'broadcast') AND p.status = 'in_flight')::text AS unsettled,
         (SELECT solid_height::text FROM payout_scan WHERE id = 1) AS scan`,
      [height],
    );
    const a = adjust.rows[0];
    if (!a) throw new Error("reconciliation query returned nothing");
    const owedAtHeight =
      totals.owed - BigInt(a.later_deposits) + BigInt(a.later_withdrawals) - BigInt(a.landed_unposted);
    const drift = custody.balance - owedAtHeight;
    const common = {
      ...base,
      height,
      owedAtHeight: String(owedAtHeight),
      custodyOnChain: String(custody.balance),
      drift: String(drift),
    };
    if (indexed !== null && indexed < height)
      return {
        ...common,
        ok: invariants.ok && drift === 0n,
        state: "pending",
        reason: `the indexer has published deposits up to block ${indexed}, below the solidified head ${height}`,
      };
    if (Number(a.unsettled) > 0 && (a.scan === null || Number(a.scan) < height))
      return {
        ...common,
        ok: invariants.ok && drift === 0n,
        state: "pending",
        reason: `withdrawals are in flight and the payout scan is at ${a.scan ?? "none"}, below ${height}`,
      };
    const ok = invariants.ok && drift === 0n;
    return {
      ...common,
      ok,
      state: drift === 0n ? "balanced" : "drift",
      reason: ok
        ? null
        : drift !== 0n
          ? `custody holds ${custody.balance} at block ${height}; the ledger owed ${owedAtHeight}`
          : "the journal invariants fail",
    };
  }

  /** Evaluates and moves the halt state: persistent drift (or broken invariants) halts withdrawals. */
  async tick(): Promise<ReconciliationResult> {
    const result = await this.evaluate();
    const { pool, logger } = this.options;
    const now = this.clock();
    if (result.drift !== null) this.options.metrics?.drift.set(Number(result.drift));
    const failing = result.state === "drift" || !result.invariants.ok;
    const { rows } = await pool.query<{
      halted: boolean;
      consecutive_drifts: number;
      drift_since: Date | null;
    }>(
      `UPDATE reconciliation SET last_check = $1, checked_at = $2,
              consecutive_drifts = CASE WHEN $3 THEN consecutive_drifts + 1 WHEN $4 THEN consecutive_drifts ELSE 0 END,
              drift_since = CASE WHEN $3 THEN COALESCE(drift_since, $2) WHEN $4 THEN drift_since ELSE NULL END
        WHERE id = 1 RETURNING halted, consecutive_drifts, drift_since`,
      [JSON.stringify(result), now, failing, result.state === "pending" || result.state === "error"],
    );
    const row = rows[0];
    if (!row) return result;
    const persisted =
      failing &&
      row.consecutive_drifts >= (this.options.haltAfterChecks ?? 3) &&
      row.drift_since !== null &&
      now.getTime() - row.drift_since.getTime() >= (this.options.haltAfterMs ?? 10_000);
    if (persisted && !row.halted) {
      const reason = result.reason ?? "reconciliation failed";
      logger.error({ alarm: "reconciliation", result }, `ALARM: withdrawals halted: ${reason}`);
      await this.options.halt(reason);
      await pool.query(`UPDATE reconciliation SET halted = true, halt_reason = $1 WHERE id = 1`, [reason]);
      this.options.metrics?.withdrawalsHalted.set(1);
      return { ...result, withdrawalsHalted: true, haltReason: reason };
    }
    if (row.halted && result.state === "balanced" && result.invariants.ok) {
      logger.warn({ result }, "reconciliation balanced again: withdrawals resume");
      await this.options.resume();
      await pool.query(`UPDATE reconciliation SET halted = false, halt_reason = NULL WHERE id = 1`);
      this.options.metrics?.withdrawalsHalted.set(0);
      return { ...result, withdrawalsHalted: false, haltReason: null };
    }
    if (failing)
      logger.warn(
        { drift: result.drift, height: result.height, reason: result.reason },
        "reconciliation drift",
      );
    return result;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.tick();
        } catch (error) {
          this.options.logger.warn({ err: error }, "reconciliation check failed");
        }
        await sleep(this.options.intervalMs ?? 5_000, undefined, { signal: this.abort.signal }).catch(
          () => {},
        );
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }
}
