import type { ResourceCode } from "../../protocol/contracts.js";
import { ContractValidateError, type TxContext } from "../context.js";
import { PARAMS, SUN_PER_TRX } from "../params.js";
import type { AccountState, Unfreezing } from "../state.js";
import { type Actuator, int, isAddress, str } from "./types.js";

/**
 * Stake 2.0 (java-tron FreezeBalanceV2Actuator, UnfreezeBalanceV2Actuator,
 * WithdrawExpireUnfreezeActuator, CancelAllUnfreezeV2Actuator). Unfreezing TRX waits
 * `unfreezeDelayDays` in unfrozenV2 and is still the owner's until withdrawn.
 */

function resourceOf(v: Parameters<Actuator["validate"]>[1]): ResourceCode {
  const r = v.resource;
  return r === "ENERGY" || r === "TRON_POWER" ? r : "BANDWIDTH";
}

export function frozenV2Of(a: AccountState, r: ResourceCode): bigint {
  return r === "ENERGY" ? a.frozenV2Energy : r === "TRON_POWER" ? a.frozenV2TronPower : a.frozenV2Bandwidth;
}

export function withFrozenV2(r: ResourceCode, amount: bigint): Partial<AccountState> {
  return r === "ENERGY"
    ? { frozenV2Energy: amount }
    : r === "TRON_POWER"
      ? { frozenV2TronPower: amount }
      : { frozenV2Bandwidth: amount };
}

function adjustWeight(ctx: TxContext, r: ResourceCode, delta: bigint): void {
  if (r === "BANDWIDTH") ctx.totals.netWeight += delta / SUN_PER_TRX;
  if (r === "ENERGY") ctx.totals.energyWeight += delta / SUN_PER_TRX;
}

/** Moves every expired unfreezing into the balance; returns the amount moved. */
function withdrawExpired(ctx: TxContext, owner: string): bigint {
  const account = ctx.require(owner);
  const expired = account.unfrozenV2.filter((u) => u.expireTime <= ctx.now);
  const amount = expired.reduce((sum, u) => sum + u.amount, 0n);
  if (expired.length > 0) {
    ctx.update(owner, (a) => ({
      balance: a.balance + amount,
      unfrozenV2: a.unfrozenV2.filter((u) => u.expireTime > ctx.now),
    }));
  }
  return amount;
}

function requireOwner(ctx: TxContext, owner: string): AccountState {
  if (!isAddress(owner)) throw new ContractValidateError("Invalid address");
  const account = ctx.get(owner);
  if (!account) throw new ContractValidateError(`Account[${owner}] does not exist`);
  return account;
}

export const freezeV2Actuator: Actuator = {
  validate(ctx, v) {
    const account = requireOwner(ctx, str(v, "owner_address"));
    const amount = int(v, "frozen_balance");
    if (amount <= 0n) throw new ContractValidateError("frozenBalance must be positive");
    if (amount < SUN_PER_TRX)
      throw new ContractValidateError("frozenBalance must be greater than or equal to 1 TRX");
    if (amount > account.balance) {
      throw new ContractValidateError("frozenBalance must be less than or equal to accountBalance");
    }
  },
  execute(ctx, v) {
    const r = resourceOf(v);
    const amount = int(v, "frozen_balance");
    ctx.update(str(v, "owner_address"), (a) => ({
      balance: a.balance - amount,
      ...withFrozenV2(r, frozenV2Of(a, r) + amount),
    }));
    adjustWeight(ctx, r, amount);
  },
};

export const unfreezeV2Actuator: Actuator = {
  validate(ctx, v) {
    const account = requireOwner(ctx, str(v, "owner_address"));
    const r = resourceOf(v);
    const amount = int(v, "unfreeze_balance");
    const frozen = frozenV2Of(account, r);
    if (frozen <= 0n) throw new ContractValidateError(`no frozenBalance(${r})`);
    if (amount <= 0n || amount > frozen) {
      throw new ContractValidateError(`Invalid unfreeze_balance, [${amount}] is error`);
    }
    const pending = account.unfrozenV2.filter((u) => u.expireTime > ctx.now).length;
    if (pending >= PARAMS.maxUnfreezingEntries) {
      throw new ContractValidateError("Invalid unfreeze operation, unfreezing times is over limit");
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const r = resourceOf(v);
    const amount = int(v, "unfreeze_balance");
    const withdrawn = withdrawExpired(ctx, owner);
    const entry: Unfreezing = {
      type: r,
      amount,
      expireTime: ctx.now + PARAMS.unfreezeDelayDays * PARAMS.dayMs,
    };
    ctx.update(owner, (a) => ({
      ...withFrozenV2(r, frozenV2Of(a, r) - amount),
      unfrozenV2: [...a.unfrozenV2, entry],
    }));
    adjustWeight(ctx, r, -amount);
    if (withdrawn > 0n) ctx.info.withdraw_expire_amount = withdrawn;
  },
};

export const withdrawExpireUnfreezeActuator: Actuator = {
  validate(ctx, v) {
    const account = requireOwner(ctx, str(v, "owner_address"));
    if (!account.unfrozenV2.some((u) => u.expireTime <= ctx.now)) {
      throw new ContractValidateError("no unFreeze balance to withdraw ");
    }
  },
  execute(ctx, v) {
    const withdrawn = withdrawExpired(ctx, str(v, "owner_address"));
    ctx.info.withdraw_expire_amount = withdrawn;
  },
};

export const cancelAllUnfreezeV2Actuator: Actuator = {
  validate(ctx, v) {
    const account = requireOwner(ctx, str(v, "owner_address"));
    if (account.unfrozenV2.length === 0) throw new ContractValidateError("No unfreezeV2 list to cancel");
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const withdrawn = withdrawExpired(ctx, owner);
    const cancelled: Record<ResourceCode, bigint> = { BANDWIDTH: 0n, ENERGY: 0n, TRON_POWER: 0n };
    const account = ctx.require(owner);
    for (const u of account.unfrozenV2) cancelled[u.type] += u.amount;
    ctx.update(owner, (a) => ({
      frozenV2Bandwidth: a.frozenV2Bandwidth + cancelled.BANDWIDTH,
      frozenV2Energy: a.frozenV2Energy + cancelled.ENERGY,
      frozenV2TronPower: a.frozenV2TronPower + cancelled.TRON_POWER,
      unfrozenV2: [],
    }));
    adjustWeight(ctx, "BANDWIDTH", cancelled.BANDWIDTH);
    adjustWeight(ctx, "ENERGY", cancelled.ENERGY);
    if (withdrawn > 0n) ctx.info.withdraw_expire_amount = withdrawn;
    ctx.info.cancel_unfreezeV2_amount = (["BANDWIDTH", "ENERGY", "TRON_POWER"] as const).map((key) => ({
      key,
      value: cancelled[key],
    }));
  },
};
