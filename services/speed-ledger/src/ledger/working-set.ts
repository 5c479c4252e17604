import type { PoolClient } from "@btt/shared/db";
import { type EntryKind, isSystemAccount, type Posting } from "../domain/accounts.js";
import type { AccountBalances, ChannelChange, ChannelState } from "../domain/rules.js";

/**
 * The rows one ledger transaction works on, locked up front in a fixed order (channels by id,
 * then accounts by id) so that transactions crediting the same payee from different partitions
 * wait for each other instead of deadlocking, and never read-modify-write without a lock.
 * Entries are applied in memory in order (every check sees the effect of the ones before) and
 * written with one statement per table at `flush`.
 */

export interface JournalRow {
  entry: number;
  account: string;
  bucket: "available" | "locked";
  amount: bigint;
  balanceAfter: bigint;
  kind: EntryKind;
  ref: string;
}

interface ChannelSlot {
  state: ChannelState;
  isNew: boolean;
  dirty: boolean;
  closedBy?: string;
}

/**
 * User accounts known to exist (rows are never deleted), so that locking them skips the INSERT …
 * ON CONFLICT that creates an account on first use. Dropped wholesale when full.
 */
const KNOWN_ACCOUNTS_MAX = 200_000;
const knownAccounts = new Set<string>();

export class LedgerInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerInvariantError";
  }
}

export class WorkingSet {
  private readonly accounts = new Map<string, AccountBalances & { dirty: boolean }>();
  private readonly channels = new Map<string, ChannelSlot>();
  readonly journal: JournalRow[] = [];
  private entries = 0;
  private flushed = false;

  private constructor(private readonly client: PoolClient) {}

  /** Locks (creating user accounts that do not exist yet) and loads the rows named. */
  static async load(
    client: PoolClient,
    accountIds: Iterable<string>,
    channelIds: Iterable<string> = [],
  ): Promise<WorkingSet> {
    const set = new WorkingSet(client);
    const channels = [...new Set(channelIds)].sort();
    if (channels.length > 0) {
      const { rows } = await client.query<{
        id: string;
        payer: string;
        payee: string;
        lock_amount: bigint;
        paid: bigint;
        bytes: bigint;
        status: ChannelState["status"];
        expires_ms: bigint;
      }>(
        `SELECT id, payer, payee, lock_amount, paid, bytes, status,
                (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms
           FROM channels WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [channels],
      );
      for (const r of rows) {
        set.channels.set(r.id, {
          state: {
            id: r.id,
            payer: r.payer,
            payee: r.payee,
            lock: r.lock_amount,
            paid: r.paid,
            bytes: r.bytes,
            status: r.status,
            expiresAtMs: Number(r.expires_ms),
          },
          isNew: false,
          dirty: false,
        });
      }
    }
    await set.lockAccounts(accountIds);
    return set;
  }

  /** Locks more accounts; callers keep the fixed order by locking every account in one call where they can. */
  async lockAccounts(accountIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(accountIds)].filter((id) => !this.accounts.has(id)).sort();
    if (ids.length === 0) return;
    await this.createAccounts(ids.filter((id) => !isSystemAccount(id) && !knownAccounts.has(id)));
    await this.selectForUpdate(ids);
    // Only when knownAccounts outlived its database (a test's): create the rest and lock them too.
    const missing = ids.filter((id) => !this.accounts.has(id) && !isSystemAccount(id));
    if (missing.length > 0) {
      await this.createAccounts(missing);
      await this.selectForUpdate(missing);
    }
    for (const id of ids) if (!this.accounts.has(id)) throw new Error(`system account ${id} is missing`);
  }

  private async createAccounts(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.query(
      `INSERT INTO accounts (id) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (id) DO NOTHING`,
      [ids],
    );
  }

  private async selectForUpdate(ids: string[]): Promise<void> {
    const { rows } = await this.client.query<{ id: string; available: bigint; locked: bigint }>(
      `SELECT id, available, locked FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    for (const r of rows) {
      this.accounts.set(r.id, { available: r.available, locked: r.locked, dirty: false });
      if (knownAccounts.size >= KNOWN_ACCOUNTS_MAX) knownAccounts.clear();
      knownAccounts.add(r.id);
    }
  }

  account(id: string): AccountBalances {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`account ${id} was not locked by this transaction`);
    return { available: account.available, locked: account.locked };
  }

  channel(id: string): ChannelState | undefined {
    const slot = this.channels.get(id);
    return slot ? { ...slot.state } : undefined;
  }

  /**
   * Applies one balanced entry; returns its index in this transaction (the entry id is assigned
   * at flush). A posting that would take a user account below zero is a bug in the caller's
   * checks, never a silent clamp: it throws and the transaction rolls back.
   */
  post(kind: EntryKind, ref: string, postings: readonly Posting[]): number {
    let sum = 0n;
    for (const p of postings) sum += p.amount;
    if (sum !== 0n) throw new LedgerInvariantError(`entry ${kind} ${ref} does not balance (Σ = ${sum})`);
    const entry = this.entries++;
    for (const p of postings) {
      const account = this.accounts.get(p.account);
      if (!account) throw new Error(`account ${p.account} was not locked by this transaction`);
      account[p.bucket] += p.amount;
      account.dirty = true;
      if (p.account !== "system:custody" && account[p.bucket] < 0n)
        throw new LedgerInvariantError(`entry ${kind} ${ref} takes ${p.account} ${p.bucket} below zero`);
      this.journal.push({
        entry,
        account: p.account,
        bucket: p.bucket,
        amount: p.amount,
        balanceAfter: account.available + account.locked,
        kind,
        ref,
      });
    }
    return entry;
  }

  changeChannel(change: ChannelChange): void {
    if (change.kind === "create") {
      this.channels.set(change.channel.id, { state: { ...change.channel }, isNew: true, dirty: true });
      return;
    }
    const slot = this.channels.get(change.id);
    if (!slot) throw new Error(`channel ${change.id} was not locked by this transaction`);
    slot.state = { ...slot.state, paid: change.paid, bytes: change.bytes, status: change.status };
    if (change.closedBy) slot.closedBy = change.closedBy;
    slot.dirty = true;
  }

  get entryCount(): number {
    return this.entries;
  }

  /** Writes what changed; returns the entry ids by entry index. */
  async flush(): Promise<bigint[]> {
    if (this.flushed) throw new Error("a working set is flushed once, at the end of its transaction");
    this.flushed = true;
    const client = this.client;
    let entryIds: bigint[] = [];
    if (this.entries > 0) {
      const { rows } = await client.query<{ id: bigint }>(
        `SELECT nextval('journal_entry_id_seq') AS id FROM generate_series(1, $1::int)`,
        [this.entries],
      );
      entryIds = rows.map((r) => r.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const j = this.journal;
      await client.query(
        `INSERT INTO journal (entry_id, account, bucket, amount, balance_after, kind, ref)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])`,
        [
          j.map((r) => String(entryIds[r.entry])),
          j.map((r) => r.account),
          j.map((r) => r.bucket),
          j.map((r) => String(r.amount)),
          j.map((r) => String(r.balanceAfter)),
          j.map((r) => r.kind),
          j.map((r) => r.ref),
        ],
      );
    }
    const dirtyAccounts = [...this.accounts].filter(([, a]) => a.dirty);
    if (dirtyAccounts.length > 0) {
      await client.query(
        `UPDATE accounts a SET available = v.available, locked = v.locked
           FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(id, available, locked) WHERE a.id = v.id`,
        [
          dirtyAccounts.map(([id]) => id),
          dirtyAccounts.map(([, a]) => String(a.available)),
          dirtyAccounts.map(([, a]) => String(a.locked)),
        ],
      );
      for (const [, a] of dirtyAccounts) a.dirty = false;
    }
    const created = [...this.channels.values()].filter((c) => c.isNew);
    if (created.length > 0) {
      await client.query(
        `INSERT INTO channels (id, payer, payee, lock_amount, paid, bytes, status, expires_at, closed_at, closed_by)
         SELECT id, payer, payee, lock_amount, paid, bytes, status, to_timestamp(expires_ms / 1000.0),
                CASE WHEN status = 'open' THEN NULL ELSE now() END, closed_by
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[],
                       $8::bigint[], $9::text[])
             AS v(id, payer, payee, lock_amount, paid, bytes, status, expires_ms, closed_by)`,
        [
          created.map((c) => c.state.id),
          created.map((c) => c.state.payer),
          created.map((c) => c.state.payee),
          created.map((c) => String(c.state.lock)),
          created.map((c) => String(c.state.paid)),
          created.map((c) => String(c.state.bytes)),
          created.map((c) => c.state.status),
          created.map((c) => String(c.state.expiresAtMs)),
          created.map((c) => c.closedBy ?? null),
        ],
      );
    }
    const updated = [...this.channels.values()].filter((c) => c.dirty && !c.isNew);
    if (updated.length > 0) {
      await client.query(
        `UPDATE channels c SET paid = v.paid, bytes = v.bytes, status = v.status,
                closed_at = CASE WHEN v.status <> 'open' AND c.closed_at IS NULL THEN now() ELSE c.closed_at END,
                closed_by = COALESCE(v.closed_by, c.closed_by)
           FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS v(id, paid, bytes, status, closed_by)
          WHERE c.id = v.id`,
        [
          updated.map((c) => c.state.id),
          updated.map((c) => String(c.state.paid)),
          updated.map((c) => String(c.state.bytes)),
          updated.map((c) => c.state.status),
          updated.map((c) => c.closedBy ?? null),
        ],
      );
    }
    for (const c of this.channels.values()) {
      c.isNew = false;
      c.dirty = false;
    }
    return entryIds;
  }
}
