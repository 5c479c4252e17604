import { type PoolClient, uuidFrom } from "@btt/shared/db";
import { commandAccount, type SpeedRejectionReason } from "@btt/shared/events";
import { enqueueOutbox, type OutgoingEvent, outboxTableFor } from "@btt/shared/kafka";
import { isSystemAccount, SYSTEM } from "../domain/accounts.js";
import { type Decision, type DecisionContext, decide } from "../domain/rules.js";
import type { VerifiedCommand } from "../domain/verify.js";
import { WorkingSet } from "./working-set.js";

/**
 * Applies a run of verified commands in the caller's transaction: the dedup records, the journal,
 * balances, channels, withdrawals and the verdict events all commit together or not at all. The
 * (signer, id) record is the dedup: a command already recorded is answered with its first verdict
 * (the same event id, so consumers see one verdict) and changes nothing; the same pair with other
 * content is DUPLICATE_ID. Concurrent transactions never lose a race silently: the commands row
 * is a plain INSERT, so a pair recorded meanwhile by another transaction aborts this one (unique
 * violation, retried by the caller) instead of applying twice. The same INSERT lets a caller that
 * expects no pair to be recorded yet skip looking them up (`assumeFresh`): if one is, the
 * transaction aborts with that unique violation and the caller applies again with the lookup.
 */

export const OUTBOX = outboxTableFor("ledger");
/** Taken shared by every transaction that writes vouchers, exclusively by a reward epoch's close. */
export const EPOCH_LOCK_KEY = 0x5eed_0001;

export interface WithdrawalPort {
  /** Queues the on-chain transfer in the same transaction (packages/payouts). */
  enqueue(client: PoolClient, withdrawal: { id: string; to: string; amount: bigint }): Promise<void>;
}

export interface ApplyOptions extends Omit<DecisionContext, "nowMs"> {
  withdrawals: WithdrawalPort;
}

export type Verdict =
  | { status: "accepted"; duplicate: boolean; effects: Effect[] }
  | { status: "rejected"; duplicate: boolean; reason: SpeedRejectionReason; message: string };

export interface Effect {
  account: string;
  kind: string;
  amount: string;
}

interface Existing {
  digest: Buffer;
  type: string;
  account: string;
  status: "accepted" | "rejected";
  reason: SpeedRejectionReason | null;
  message: string | null;
  entryId: bigint | null;
  appliedAt: Date;
}

const pairKey = (signer: string, id: string) => `${signer}|${id}`;

export function verdictEventId(signer: string, id: string): string {
  return uuidFrom(`speed-verdict:${signer}:${id}`);
}

function channelIdOf(v: VerifiedCommand): string | null {
  const c = v.command;
  if (c.type === "channel.open") return c.id;
  if (c.type === "voucher" || c.type === "channel.close") return c.channelId;
  return null;
}

function accountsOf(v: VerifiedCommand): string[] {
  const c = v.command;
  switch (c.type) {
    case "channel.open":
      return [c.payer];
    case "voucher":
      return [c.payer, c.payee];
    case "channel.close":
      return [c.payer];
    case "withdrawal.request":
      return [c.account, SYSTEM.withdrawals];
  }
}

export async function applyCommands(
  client: PoolClient,
  commands: readonly VerifiedCommand[],
  options: ApplyOptions,
  now: Date = new Date(),
  { assumeFresh = false }: { assumeFresh?: boolean } = {},
): Promise<Verdict[]> {
  const signed = commands.filter((c) => c.signer !== null) as (VerifiedCommand & { signer: string })[];
  if (commands.some((c) => c.command.type === "voucher"))
    await client.query("SELECT pg_advisory_xact_lock_shared($1)", [EPOCH_LOCK_KEY]);

  const existing = new Map<string, Existing>();
  if (signed.length > 0 && !assumeFresh) {
    const { rows } = await client.query<{
      signer: string;
      id: string;
      digest: Buffer;
      type: string;
      account: string;
      status: "accepted" | "rejected";
      reason: SpeedRejectionReason | null;
      message: string | null;
      entry_id: bigint | null;
      applied_at: Date;
    }>(
      `SELECT c.signer, c.id, c.digest, c.type, c.account, c.status, c.reason, c.message, c.entry_id, c.applied_at
         FROM commands c JOIN unnest($1::text[], $2::uuid[]) AS k(signer, id) ON c.signer = k.signer AND c.id = k.id`,
      [signed.map((c) => c.signer), signed.map((c) => c.command.id)],
    );
    for (const r of rows)
      existing.set(pairKey(r.signer, r.id), {
        digest: r.digest,
        type: r.type,
        account: r.account,
        status: r.status,
        reason: r.reason,
        message: r.message,
        entryId: r.entry_id,
        appliedAt: r.applied_at,
      });
  }

  const fresh = signed.filter((c) => !existing.has(pairKey(c.signer, c.command.id)));
  const set = await WorkingSet.load(
    client,
    fresh.flatMap(accountsOf),
    fresh.map(channelIdOf).filter((id): id is string => id !== null),
  );
  const withdrawnToday = new Map<string, bigint>();
  const withdrawers = [
    ...new Set(
      fresh.filter((c) => c.command.type === "withdrawal.request").map((c) => commandAccount(c.command)),
    ),
  ];
  if (withdrawers.length > 0 && options.withdrawalDailyLimit !== null) {
    const { rows } = await client.query<{ account: string; total: string }>(
      `SELECT account, sum(amount)::text AS total FROM withdrawals
        WHERE account = ANY($1::text[]) AND day = ($2::timestamptz AT TIME ZONE 'UTC')::date AND status <> 'voided'
        GROUP BY account`,
      [withdrawers, now.toISOString()],
    );
    for (const r of rows) withdrawnToday.set(r.account, BigInt(r.total));
  }
  const context: DecisionContext = {
    domain: options.domain,
    withdrawalDailyLimit: options.withdrawalDailyLimit,
    nowMs: now.getTime(),
  };
  const state = {
    account: (id: string) => set.account(id),
    channel: (id: string) => set.channel(id),
    withdrawnToday: (account: string) => withdrawnToday.get(account) ?? 0n,
  };

  const verdicts: Verdict[] = [];
  const records: {
    signer: string;
    id: string;
    type: string;
    digest: Buffer;
    account: string;
    decision: Decision;
    entry: number | null;
  }[] = [];
  const seenInRun = new Map<string, { digest: Buffer; record: (typeof records)[number] }>();
  const events: OutgoingEvent[] = [];
  const replays: { key: string; v: VerifiedCommand & { signer: string }; first: Existing }[] = [];
  const withdrawals: {
    id: string;
    signer: string;
    commandId: string;
    account: string;
    amount: bigint;
    to: string;
  }[] = [];

  for (const v of commands) {
    const c = v.command;
    const account = commandAccount(c);
    if (v.signer === null) {
      verdicts.push({
        status: "rejected",
        duplicate: false,
        reason: "INVALID_SIGNATURE",
        message: "the signature recovers no address",
      });
      events.push(
        rejectedEvent(
          uuidFrom(`speed-invalid:${v.digest.toString("hex")}:${v.signature}`),
          c.id,
          c.type,
          null,
          account,
          {
            reason: "INVALID_SIGNATURE",
            message: "the signature recovers no address",
          },
          now,
        ),
      );
      continue;
    }
    const key = pairKey(v.signer, c.id);
    const prior = existing.get(key);
    const inRun = seenInRun.get(key);
    const firstDigest = prior?.digest ?? inRun?.digest;
    if (firstDigest) {
      if (!firstDigest.equals(v.digest)) {
        const message = `command id ${c.id} was already used by ${v.signer} for another command`;
        verdicts.push({ status: "rejected", duplicate: false, reason: "DUPLICATE_ID", message });
        events.push(
          rejectedEvent(
            uuidFrom(`speed-duplicate:${v.signer}:${c.id}:${v.digest.toString("hex")}`),
            c.id,
            c.type,
            v.signer,
            account,
            { reason: "DUPLICATE_ID", message },
            now,
          ),
        );
        continue;
      }
      if (prior) {
        replays.push({ key, v: v as VerifiedCommand & { signer: string }, first: prior });
        verdicts.push(
          prior.status === "accepted"
            ? { status: "accepted", duplicate: true, effects: [] }
            : {
                status: "rejected",
                duplicate: true,
                reason: prior.reason ?? "INVALID_COMMAND",
                message: prior.message ?? "",
              },
        );
      } else if (inRun) {
        // Delivered twice in one run: the first copy's verdict stands, its event already covers it.
        const d = inRun.record.decision;
        verdicts.push(
          d.status === "accepted"
            ? { status: "accepted", duplicate: true, effects: [] }
            : { status: "rejected", duplicate: true, reason: d.reason, message: d.message },
        );
      }
      continue;
    }

    const decision = decide(c, v.signer, state, context);
    let entry: number | null = null;
    if (decision.status === "accepted") {
      if (decision.entry) entry = set.post(decision.entry.kind, decision.entry.ref, decision.entry.postings);
      if (decision.channel) set.changeChannel(decision.channel);
      if (decision.withdrawal) {
        withdrawals.push({ ...decision.withdrawal, signer: v.signer, commandId: c.id });
        const today = withdrawnToday.get(decision.withdrawal.account) ?? 0n;
        withdrawnToday.set(decision.withdrawal.account, today + decision.withdrawal.amount);
      }
      // Effects name user accounts; the system side of an entry (e.g. withdrawals in flight) is implied.
      const effects = (decision.entry?.postings ?? [])
        .filter((p) => !isSystemAccount(p.account))
        .map((p) => ({
          account: p.account,
          kind: p.bucket,
          amount: String(p.amount),
        }));
      verdicts.push({ status: "accepted", duplicate: false, effects });
      events.push({
        topic: "speed.events",
        key: account,
        event: "command.accepted@1",
        id: verdictEventId(v.signer, c.id),
        occurredAt: now,
        payload: {
          commandId: c.id,
          commandType: c.type,
          signer: v.signer,
          account,
          effects,
          appliedAt: now.toISOString(),
        },
      });
    } else {
      verdicts.push({
        status: "rejected",
        duplicate: false,
        reason: decision.reason,
        message: decision.message,
      });
      events.push(
        rejectedEvent(verdictEventId(v.signer, c.id), c.id, c.type, v.signer, account, decision, now),
      );
    }
    const record = { signer: v.signer, id: c.id, type: c.type, digest: v.digest, account, decision, entry };
    records.push(record);
    seenInRun.set(key, { digest: v.digest, record });
  }

  const entryIds = await set.flush();
  if (records.length > 0) {
    await client.query(
      `INSERT INTO commands (signer, id, type, digest, account, status, reason, message, entry_id, applied_at)
       SELECT signer, id, type, decode(digest, 'hex'), account, status, reason, message, entry_id, $10
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::bigint[]) AS v(signer, id, type, digest, account, status, reason, message, entry_id)`,
      [
        records.map((r) => r.signer),
        records.map((r) => r.id),
        records.map((r) => r.type),
        records.map((r) => r.digest.toString("hex")),
        records.map((r) => r.account),
        records.map((r) => r.decision.status),
        records.map((r) => (r.decision.status === "rejected" ? r.decision.reason : null)),
        records.map((r) => (r.decision.status === "rejected" ? r.decision.message : null)),
        records.map((r) => (r.entry === null ? null : String(entryIds[r.entry]))),
        now,
      ],
    );
  }
  for (const w of withdrawals) {
    await client.query(
      `INSERT INTO withdrawals (id, signer, command_id, account, amount, to_address, day)
       VALUES ($1, $2, $3, $4, $5, $6, ($7::timestamptz AT TIME ZONE 'UTC')::date)`,
      [w.id, w.signer, w.commandId, w.account, String(w.amount), w.to, now.toISOString()],
    );
    await options.withdrawals.enqueue(client, { id: w.id, to: w.to, amount: w.amount });
    events.push({
      topic: "speed.events",
      key: w.account,
      event: "withdrawal.state@1",
      id: uuidFrom(`speed-withdrawal:${w.id}:reserved`),
      occurredAt: now,
      payload: { withdrawalId: w.id, account: w.account, status: "reserved", txIds: [], reason: null },
    });
  }
  if (replays.length > 0) events.push(...(await replayVerdicts(client, replays)));
  await enqueueOutbox(client, OUTBOX, events, { skipExisting: true });
  return verdicts;
}

function rejectedEvent(
  eventId: string,
  commandId: string,
  commandType: string,
  signer: string | null,
  account: string,
  why: { reason: SpeedRejectionReason; message: string },
  now: Date,
): OutgoingEvent {
  return {
    topic: "speed.events",
    key: account,
    event: "command.rejected@1",
    id: eventId,
    occurredAt: now,
    payload: {
      commandId,
      commandType,
      signer,
      account,
      reason: why.reason,
      message: why.message,
      rejectedAt: now.toISOString(),
    },
  };
}

/** The first verdict again, with its first event id and effects, for a command seen before. */
async function replayVerdicts(
  client: PoolClient,
  replays: { v: VerifiedCommand & { signer: string }; first: Existing }[],
): Promise<OutgoingEvent[]> {
  const entryIds = replays.map((r) => r.first.entryId).filter((id): id is bigint => id !== null);
  const effectsByEntry = new Map<string, Effect[]>();
  if (entryIds.length > 0) {
    const { rows } = await client.query<{
      entry_id: bigint;
      account: string;
      bucket: string;
      amount: bigint;
    }>(
      `SELECT entry_id, account, bucket, amount FROM journal WHERE entry_id = ANY($1::bigint[]) ORDER BY seq`,
      [entryIds.map(String)],
    );
    for (const r of rows) {
      if (isSystemAccount(r.account)) continue;
      const list = effectsByEntry.get(String(r.entry_id)) ?? [];
      list.push({ account: r.account, kind: r.bucket, amount: String(r.amount) });
      effectsByEntry.set(String(r.entry_id), list);
    }
  }
  return replays.map(({ v, first }): OutgoingEvent => {
    const id = verdictEventId(v.signer, v.command.id);
    if (first.status === "rejected")
      return rejectedEvent(
        id,
        v.command.id,
        first.type,
        v.signer,
        first.account,
        { reason: first.reason ?? "INVALID_COMMAND", message: first.message ?? "" },
        first.appliedAt,
      );
    return {
      topic: "speed.events",
      key: first.account,
      event: "command.accepted@1",
      id,
      occurredAt: first.appliedAt,
      payload: {
        commandId: v.command.id,
        commandType: first.type,
        signer: v.signer,
        account: first.account,
        effects: first.entryId === null ? [] : (effectsByEntry.get(String(first.entryId)) ?? []),
        appliedAt: first.appliedAt.toISOString(),
      },
    };
  });
}
