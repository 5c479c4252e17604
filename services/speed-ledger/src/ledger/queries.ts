import type { Pool } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";

/** The reads behind the gateway's /v1/speed/… routes (shapes in API.md). */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const CHANNEL_COLUMNS = `id, payer, payee, lock_amount::text AS lock, paid::text AS paid, bytes::text AS bytes, status,
  expires_at, opened_at`;

interface ChannelRow {
  id: string;
  payer: string;
  payee: string;
  lock: string;
  paid: string;
  bytes: string;
  status: string;
  expires_at: Date;
  opened_at: Date;
}

function channelView(r: ChannelRow) {
  return {
    id: r.id,
    payer: r.payer,
    payee: r.payee,
    lock: r.lock,
    paid: r.paid,
    bytes: r.bytes,
    status: r.status,
    expiresAt: r.expires_at.toISOString(),
  };
}

export class LedgerQueries {
  constructor(private readonly pool: Pool) {}

  /** Balances and lifetime totals, every figure from the journal or the balances it keeps. */
  async account(address: string) {
    const { rows } = await this.pool.query<Record<string, string>>(
      `SELECT
         COALESCE((SELECT available FROM accounts WHERE id = $1), 0)::text AS available,
         COALESCE((SELECT locked FROM accounts WHERE id = $1), 0)::text AS locked,
         COALESCE(sum(amount) FILTER (WHERE kind = 'voucher' AND bucket = 'available'), 0)::text AS earned,
         COALESCE(-sum(amount) FILTER (WHERE kind = 'voucher' AND bucket = 'locked'), 0)::text AS spent,
         COALESCE(sum(amount) FILTER (WHERE kind = 'reward'), 0)::text AS rewards,
         COALESCE(sum(amount) FILTER (WHERE kind = 'grant'), 0)::text AS granted,
         COALESCE(sum(amount) FILTER (WHERE kind = 'deposit'), 0)::text AS deposited,
         COALESCE((SELECT sum(amount) FROM withdrawals WHERE account = $1 AND status = 'confirmed'), 0)::text AS withdrawn,
         COALESCE((SELECT sum(amount) FROM withdrawals WHERE account = $1 AND status IN ('reserved', 'broadcast')), 0)::text AS withdrawing
       FROM journal WHERE account = $1`,
      [address],
    );
    const r = rows[0] ?? {};
    return {
      address,
      available: r.available ?? "0",
      locked: r.locked ?? "0",
      earned: r.earned ?? "0",
      spent: r.spent ?? "0",
      rewards: r.rewards ?? "0",
      granted: r.granted ?? "0",
      deposited: r.deposited ?? "0",
      withdrawn: r.withdrawn ?? "0",
      withdrawing: r.withdrawing ?? "0",
    };
  }

  /** Every change to available + locked, in order; amounts signed, balanceAfter = available + locked. */
  async statement(
    address: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<
    Page<{ seq: string; at: string; kind: string; amount: string; balanceAfter: string; ref: string }>
  > {
    const after = cursor === undefined ? "0" : cursorNumber(cursor);
    const { rows } = await this.pool.query<{
      seq: string;
      at: Date;
      kind: string;
      bucket: string;
      amount: string;
      balance_after: string;
      ref: string;
    }>(
      `SELECT seq::text AS seq, at, kind, bucket, amount::text AS amount, balance_after::text AS balance_after, ref
         FROM journal WHERE account = $1 AND journal.seq > $2 ORDER BY journal.seq LIMIT $3`,
      [address, after, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      kind: r.kind,
      amount: r.amount,
      balanceAfter: r.balance_after,
      ref: r.ref,
    }));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.seq ?? null) : null };
  }

  async channels(address: string, status: string | undefined, limit: number, cursor: string | undefined) {
    const after = cursor === undefined ? null : decodeChannelCursor(cursor);
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channels
        WHERE (payer = $1 OR payee = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (opened_at, id) > ($3, $4::uuid))
        ORDER BY opened_at, id LIMIT $5`,
      [address, status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(channelView),
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(`${last.opened_at.toISOString()}|${last.id}`).toString("base64url")
          : null,
    };
  }

  async channel(id: string) {
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `no channel ${id}`);
    return channelView(row);
  }

  async withdrawal(id: string) {
    const { rows } = await this.pool.query<{
      id: string;
      account: string;
      amount: string;
      to_address: string;
      status: string;
      reason: string | null;
      tx_ids: string[] | null;
    }>(
      `SELECT w.id, w.account, w.amount::text AS amount, w.to_address, w.status, w.reason,
              (SELECT array_agg(tx_id ORDER BY attempt) FROM payment_attempts WHERE payment_id = w.id) AS tx_ids
         FROM withdrawals w WHERE w.id = $1`,
      [id],
    );
    const w = rows[0];
    if (!w) throw new AppError("NOT_FOUND", `no withdrawal ${id}`);
    return {
      id: w.id,
      account: w.account,
      amount: w.amount,
      to: w.to_address,
      status: w.status,
      txIds: w.tx_ids ?? [],
      reason: w.reason,
    };
  }

  /** The ledger's record of a command id (any signer; the first recorded when several). */
  async command(commandId: string) {
    const { rows } = await this.pool.query<{
      type: string;
      status: "accepted" | "rejected";
      reason: string | null;
      entry_id: string | null;
    }>(
      `SELECT type, status, reason, entry_id::text AS entry_id FROM commands WHERE id = $1 ORDER BY applied_at LIMIT 1`,
      [commandId],
    );
    const c = rows[0];
    if (!c) throw new AppError("NOT_FOUND", `the ledger has not applied command ${commandId} (yet)`);
    if (c.status === "rejected") return { commandId, type: c.type, status: c.status, reason: c.reason };
    const effects =
      c.entry_id === null
        ? []
        : (
            await this.pool.query<{ account: string; bucket: string; amount: string }>(
              `SELECT account, bucket, amount::text AS amount FROM journal
                WHERE entry_id = $1 AND account NOT LIKE 'system:%' ORDER BY seq`,
              [c.entry_id],
            )
          ).rows.map((r) => ({ account: r.account, kind: r.bucket, amount: r.amount }));
    return { commandId, type: c.type, status: c.status, effects };
  }

  async rewardEpochs(limit: number, cursor: string | undefined) {
    const before = cursor === undefined ? null : cursorNumber(cursor);
    const { rows } = await this.pool.query<{
      id: string;
      starts_at: Date;
      ends_at: Date;
      budget: string;
      distributed: string;
      weights: { payee: string; weight: string }[];
      payouts: { payee: string; amount: string }[];
    }>(
      `SELECT id::text AS id, starts_at, ends_at, budget::text AS budget, distributed::text AS distributed, weights, payouts
         FROM reward_epochs WHERE ($1::bigint IS NULL OR reward_epochs.id < $1) ORDER BY reward_epochs.id DESC LIMIT $2`,
      [before, limit + 1],
    );
    const items = rows.slice(0, limit).map((e) => ({
      id: e.id,
      startsAt: e.starts_at.toISOString(),
      endsAt: e.ends_at.toISOString(),
      budget: e.budget,
      distributed: e.distributed,
      status: "closed",
      weights: e.weights,
      payouts: e.payouts,
    }));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }
}

function cursorNumber(cursor: string): string {
  if (!/^[0-9]{1,19}$/.test(cursor))
    throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
  return cursor;
}

function decodeChannelCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id))
    throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
  return { at, id };
}
