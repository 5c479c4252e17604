import type { SpeedCommand, SpeedRejectionReason } from "@btt/shared/events";
import { isBase58Address } from "@btt/shared/tron";
import { type EntryKind, type Posting, SYSTEM } from "./accounts.js";

/**
 * The rules of Speed commands (API.md "Commands"), as a pure decision over the state the applier
 * has locked. Nothing here reads the clock or the database: the caller passes `nowMs` and the
 * rows, so every rule is tested without either, and the same inputs always give the same verdict.
 */

/** API.md: `notAfter` at most 24 h ahead. */
export const MAX_NOT_AFTER_AHEAD_MS = 24 * 60 * 60 * 1000;
const INT64_MAX = (1n << 63n) - 1n;

export interface ChannelState {
  id: string;
  payer: string;
  payee: string;
  lock: bigint;
  paid: bigint;
  bytes: bigint;
  status: "open" | "closed" | "expired";
  expiresAtMs: number;
}

export interface AccountBalances {
  available: bigint;
  locked: bigint;
}

/** What a decision may read: the rows the applier locked for this command. */
export interface DecisionState {
  account(id: string): AccountBalances;
  channel(id: string): ChannelState | undefined;
  /** Σ of the account's withdrawals (not voided) on the UTC day of `nowMs`. */
  withdrawnToday(account: string): bigint;
}

export interface DecisionContext {
  domain: string;
  nowMs: number;
  /** Per account per UTC day; null = no limit. */
  withdrawalDailyLimit: bigint | null;
}

export type ChannelChange =
  | { kind: "create"; channel: ChannelState }
  | {
      kind: "update";
      id: string;
      paid: bigint;
      bytes: bigint;
      status: ChannelState["status"];
      closedBy?: string;
    };

export type Decision =
  | {
      status: "accepted";
      entry: { kind: EntryKind; ref: string; postings: Posting[] } | null;
      channel?: ChannelChange;
      withdrawal?: { id: string; account: string; amount: bigint; to: string };
    }
  | { status: "rejected"; reason: SpeedRejectionReason; message: string };

const reject = (reason: SpeedRejectionReason, message: string): Decision => ({
  status: "rejected",
  reason,
  message,
});

function amountOf(text: string, field: string): bigint | Decision {
  const value = BigInt(text);
  if (value <= 0n) return reject("INVALID_COMMAND", `${field} must be positive`);
  if (value > INT64_MAX) return reject("INVALID_COMMAND", `${field} exceeds 2^63 − 1 base units`);
  return value;
}

/**
 * Decides one command whose signature recovered `signer`. The checks every command shares come
 * first (domain, signer, notAfter), then the command's own rules.
 */
export function decide(
  command: SpeedCommand,
  signer: string,
  state: DecisionState,
  context: DecisionContext,
): Decision {
  if (command.domain !== context.domain)
    return reject(
      "WRONG_DOMAIN",
      `this ledger applies commands for ${context.domain}, not ${command.domain}`,
    );
  const notAfter = Number(command.notAfter);
  if (context.nowMs > notAfter) return reject("EXPIRED", `notAfter ${command.notAfter} has passed`);
  if (notAfter > context.nowMs + MAX_NOT_AFTER_AHEAD_MS)
    return reject("INVALID_COMMAND", "notAfter is more than 24 h ahead");

  switch (command.type) {
    case "channel.open": {
      if (signer !== command.payer)
        return reject("WRONG_SIGNER", `a channel.open must be signed by its payer ${command.payer}`);
      if (command.payee === command.payer) return reject("INVALID_COMMAND", "payer and payee are the same");
      const amount = amountOf(command.amount, "amount");
      if (typeof amount !== "bigint") return amount;
      const expiresAtMs = Number(command.expiresAt);
      if (!(expiresAtMs > context.nowMs)) return reject("INVALID_COMMAND", "expiresAt is not in the future");
      if (state.channel(command.id))
        return reject("DUPLICATE_ID", `a channel with id ${command.id} already exists`);
      const payer = state.account(command.payer);
      if (payer.available < amount)
        return reject(
          "INSUFFICIENT_FUNDS",
          `available ${payer.available} is less than the ${amount} the channel locks`,
        );
      return {
        status: "accepted",
        entry: {
          kind: "channel.open",
          ref: command.id,
          postings: [
            { account: command.payer, bucket: "available", amount: -amount },
            { account: command.payer, bucket: "locked", amount },
          ],
        },
        channel: {
          kind: "create",
          channel: {
            id: command.id,
            payer: command.payer,
            payee: command.payee,
            lock: amount,
            paid: 0n,
            bytes: 0n,
            status: "open",
            expiresAtMs,
          },
        },
      };
    }
    case "voucher": {
      if (signer !== command.payer)
        return reject("WRONG_SIGNER", `a voucher must be signed by its payer ${command.payer}`);
      const channel = state.channel(command.channelId);
      if (!channel) return reject("CHANNEL_NOT_FOUND", `no channel ${command.channelId}`);
      if (channel.payer !== command.payer || channel.payee !== command.payee)
        return reject("INVALID_COMMAND", "payer and payee do not match the channel");
      if (channel.status !== "open")
        return reject("CHANNEL_CLOSED", `channel ${channel.id} is ${channel.status}`);
      const cumulative = BigInt(command.cumulativeAmount);
      if (cumulative > channel.lock)
        return reject(
          "EXCEEDS_LOCK",
          `cumulativeAmount ${cumulative} exceeds the channel's lock ${channel.lock}`,
        );
      const bytes = BigInt(command.cumulativeBytes);
      const delta = cumulative - channel.paid;
      const newBytes = bytes > channel.bytes ? bytes : channel.bytes;
      if (delta <= 0n) {
        // At or below what was paid: accepted, changes nothing but the byte count it may raise.
        return newBytes === channel.bytes
          ? { status: "accepted", entry: null }
          : {
              status: "accepted",
              entry: null,
              channel: {
                kind: "update",
                id: channel.id,
                paid: channel.paid,
                bytes: newBytes,
                status: "open",
              },
            };
      }
      return {
        status: "accepted",
        entry: {
          kind: "voucher",
          ref: channel.id,
          postings: [
            { account: channel.payer, bucket: "locked", amount: -delta },
            { account: channel.payee, bucket: "available", amount: delta },
          ],
        },
        channel: { kind: "update", id: channel.id, paid: cumulative, bytes: newBytes, status: "open" },
      };
    }
    case "channel.close": {
      if (signer !== command.by)
        return reject("WRONG_SIGNER", `the close must be signed by ${command.by}, who closes it`);
      const channel = state.channel(command.channelId);
      if (!channel) return reject("CHANNEL_NOT_FOUND", `no channel ${command.channelId}`);
      if (channel.payer !== command.payer)
        return reject("INVALID_COMMAND", "payer does not match the channel");
      if (channel.status !== "open")
        return reject("CHANNEL_CLOSED", `channel ${channel.id} is ${channel.status}`);
      if (command.by === channel.payer) {
        if (context.nowMs < channel.expiresAtMs)
          return reject(
            "WRONG_SIGNER",
            `the payer may close only after expiresAt (${new Date(channel.expiresAtMs).toISOString()})`,
          );
      } else if (command.by !== channel.payee) {
        return reject("WRONG_SIGNER", "only the channel's payee or payer may close it");
      }
      return closeChannel(channel, "closed", command.by);
    }
    case "withdrawal.request": {
      if (signer !== command.account)
        return reject("WRONG_SIGNER", `a withdrawal must be signed by its account ${command.account}`);
      if (!isBase58Address(command.to)) return reject("INVALID_COMMAND", "to is not a base58 TRON address");
      const amount = amountOf(command.amount, "amount");
      if (typeof amount !== "bigint") return amount;
      if (context.withdrawalDailyLimit !== null) {
        const today = state.withdrawnToday(command.account);
        if (today + amount > context.withdrawalDailyLimit)
          return reject(
            "LIMIT_REACHED",
            `the daily withdrawal limit is ${context.withdrawalDailyLimit}; ${today} already withdrawn today (UTC)`,
          );
      }
      const account = state.account(command.account);
      if (account.available < amount)
        return reject("INSUFFICIENT_FUNDS", `available ${account.available} is less than ${amount}`);
      return {
        status: "accepted",
        entry: {
          kind: "withdrawal.reserve",
          ref: command.id,
          postings: [
            { account: command.account, bucket: "available", amount: -amount },
            { account: SYSTEM.withdrawals, bucket: "available", amount },
          ],
        },
        withdrawal: { id: command.id, account: command.account, amount, to: command.to },
      };
    }
  }
}

/** Closing (or expiring) returns the unspent lock to the payer's available balance. */
export function closeChannel(
  channel: ChannelState,
  status: "closed" | "expired",
  by: string,
): Extract<Decision, { status: "accepted" }> {
  const unspent = channel.lock - channel.paid;
  return {
    status: "accepted",
    entry:
      unspent > 0n
        ? {
            kind: status === "closed" ? "channel.close" : "channel.expire",
            ref: channel.id,
            postings: [
              { account: channel.payer, bucket: "locked", amount: -unspent },
              { account: channel.payer, bucket: "available", amount: unspent },
            ],
          }
        : null,
    channel: {
      kind: "update",
      id: channel.id,
      paid: channel.paid,
      bytes: channel.bytes,
      status,
      closedBy: by,
    },
  };
}
