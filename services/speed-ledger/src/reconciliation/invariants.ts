import type { Pool } from "@btt/shared/db";
import { SYSTEM } from "../domain/accounts.js";

/** What the ledger owes, by account class, from the balances table. */
export interface LedgerTotals {
  usersAvailable: bigint;
  usersLocked: bigint;
  promotions: bigint;
  rewards: bigint;
  withdrawalsInFlight: bigint;
  /** Σ of everything above: the BTT the ledger owes its users and pools. */
  owed: bigint;
  /** The contra account; −custody = owed when the journal balances. */
  custodyMirror: bigint;
}

export interface InvariantReport {
  ok: boolean;
  /** Entries whose postings do not sum to zero. */
  unbalancedEntries: number;
  /** Accounts whose stored balance differs from the sum of their journal postings. */
  balanceMismatches: { account: string; bucket: string; stored: string; journal: string }[];
  /** User accounts below zero (the table's CHECK forbids it; counted anyway). */
  negativeAccounts: number;
  /** Payers whose locked balance differs from Σ(lock − paid) of their open channels. */
  lockMismatches: { account: string; locked: string; channels: string }[];
  /** Σ of all balances (must be 0: every entry balances). */
  sumOfBalances: string;
}

export async function ledgerTotals(pool: Pool): Promise<LedgerTotals> {
  const { rows } = await pool.query<{ users_available: string; users_locked: string }>(
    `SELECT COALESCE(sum(available), 0)::text AS users_available, COALESCE(sum(locked), 0)::text AS users_locked
       FROM accounts WHERE id NOT LIKE 'system:%'`,
  );
  const system = await pool.query<{ id: string; available: bigint }>(
    `SELECT id, available FROM accounts WHERE id LIKE 'system:%'`,
  );
  const sys = new Map(system.rows.map((r) => [r.id, r.available]));
  const usersAvailable = BigInt(rows[0]?.users_available ?? "0");
  const usersLocked = BigInt(rows[0]?.users_locked ?? "0");
  const promotions = sys.get(SYSTEM.promotions) ?? 0n;
  const rewards = sys.get(SYSTEM.rewards) ?? 0n;
  const withdrawalsInFlight = sys.get(SYSTEM.withdrawals) ?? 0n;
  return {
    usersAvailable,
    usersLocked,
    promotions,
    rewards,
    withdrawalsInFlight,
    owed: usersAvailable + usersLocked + promotions + rewards + withdrawalsInFlight,
    custodyMirror: sys.get(SYSTEM.custody) ?? 0n,
  };
}

/** The journal's own invariants, evaluated in one snapshot of the database. */
export async function checkInvariants(pool: Pool): Promise<InvariantReport> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const unbalanced = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT entry_id FROM journal GROUP BY entry_id HAVING sum(amount) <> 0) e`,
    );
    const mismatches = await client.query<{
      account: string;
      bucket: string;
      stored: string;
      journal: string;
    }>(
      `WITH j AS (
         SELECT account,
                COALESCE(sum(amount) FILTER (WHERE bucket = 'available'), 0) AS available,
                COALESCE(sum(amount) FILTER (WHERE bucket = 'locked'), 0) AS locked
           FROM journal GROUP BY account)
       SELECT a.id AS account, b.bucket, b.stored::text, b.journal::text
         FROM accounts a LEFT JOIN j ON j.account = a.id
        CROSS JOIN LATERAL (VALUES ('available', a.available, COALESCE(j.available, 0)),
                                   ('locked', a.locked, COALESCE(j.locked, 0))) AS b(bucket, stored, journal)
        WHERE b.stored <> b.journal
       UNION ALL
       SELECT j.account, 'available', '(no account)', (j.available + j.locked)::text
         FROM j WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = j.account)
       LIMIT 20`,
    );
    const negative = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM accounts WHERE id NOT LIKE 'system:%' AND (available < 0 OR locked < 0)`,
    );
    const locks = await client.query<{ account: string; locked: string; channels: string }>(
      `WITH c AS (SELECT payer, sum(lock_amount - paid) AS unspent FROM channels WHERE status = 'open' GROUP BY payer)
       SELECT a.id AS account, a.locked::text AS locked, COALESCE(c.unspent, 0)::text AS channels
         FROM accounts a LEFT JOIN c ON c.payer = a.id
        WHERE a.id NOT LIKE 'system:%' AND a.locked <> COALESCE(c.unspent, 0)
        LIMIT 20`,
    );
    const sum = await client.query<{ s: string }>(
      `SELECT (COALESCE(sum(available), 0) + COALESCE(sum(locked), 0))::text AS s FROM accounts`,
    );
    await client.query("COMMIT");
    const report: InvariantReport = {
      ok: false,
      unbalancedEntries: Number(unbalanced.rows[0]?.n ?? 0),
      balanceMismatches: mismatches.rows,
      negativeAccounts: Number(negative.rows[0]?.n ?? 0),
      lockMismatches: locks.rows,
      sumOfBalances: sum.rows[0]?.s ?? "0",
    };
    report.ok =
      report.unbalancedEntries === 0 &&
      report.balanceMismatches.length === 0 &&
      report.negativeAccounts === 0 &&
      report.lockMismatches.length === 0 &&
      report.sumOfBalances === "0";
    return report;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
