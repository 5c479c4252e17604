/**
 * Rule 6, the only door to re-signing: an attempt is provably expired when
 *  - the solidified head's block time (chain time, from the node) is ≥ its expiration — java-tron
 *    refuses a transaction whose expiration is ≤ the parent block's time, so no block after that
 *    head can include it — and
 *  - the scan has looked at every solidified block that could hold it, from the block after its
 *    reference block (a transaction cannot be in a block at or before the one it references) up to
 *    that head, without seeing its txid.
 * The wall clock plays no part; neither does `gettransactionbyid` (a lagging node answers `{}`).
 * `scan.ts` applies the same predicate in SQL; expiry.test.ts pins the two together.
 */

export interface ScanCoverage {
  /** first block the scan ever looked at (the cursor starts just below it) */
  firstHeight: number;
  /** every block in [firstHeight, solidHeight] has been scanned */
  solidHeight: number;
  /** block timestamp of solidHeight */
  solidTimeMs: number;
}

export interface AttemptWindow {
  refBlockNum: number;
  expirationMs: number;
}

export function isProvablyExpired(attempt: AttemptWindow, scan: ScanCoverage): boolean {
  if (scan.solidTimeMs < attempt.expirationMs) return false;
  // blocks refBlockNum + 1 … solidHeight must all lie inside the scanned range
  if (attempt.refBlockNum + 1 < scan.firstHeight) return false;
  return attempt.refBlockNum < scan.solidHeight;
}

/** The same predicate as a SQL condition on payment_attempts (parameters: time, first, head). */
export function provablyExpiredSql(timeParam: string, firstParam: string, headParam: string): string {
  return (
    `expiration_ms <= ${timeParam} AND ref_block_num + 1 >= ${firstParam} ` +
    `AND ref_block_num < ${headParam}`
  );
}
