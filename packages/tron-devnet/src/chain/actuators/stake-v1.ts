import { addDelegation, ContractValidateError, clearDelegation, delegationKey } from "../context.js";
import { PARAMS, SUN_PER_TRX } from "../params.js";
import { type Actuator, int, isAddress, str } from "./types.js";

/**
 * Stake 1.0: FreezeBalanceContract and UnfreezeBalanceContract (java-tron FreezeBalanceActuator,
 * UnfreezeBalanceActuator), with receiver_address = a delegation to another account. The TRX
 * stays the owner's (delegated_frozen_balance_for_*); the receiver only gets the resource.
 */

function resourceOf(v: Parameters<Actuator["validate"]>[1]): "BANDWIDTH" | "ENERGY" | "TRON_POWER" {
  const r = v.resource;
  return r === "ENERGY" || r === "TRON_POWER" ? r : "BANDWIDTH";
}

export const freezeV1Actuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "frozen_balance");
    const duration = int(v, "frozen_duration");
    if (!isAddress(owner)) throw new ContractValidateError("Invalid address");
    const account = ctx.get(owner);
    if (!account) throw new ContractValidateError(`Account[${owner}] not exists`);
    if (amount <= 0n) throw new ContractValidateError("frozenBalance must be positive");
    if (amount < SUN_PER_TRX)
      throw new ContractValidateError("frozenBalance must be greater than or equal to 1 TRX");
    if (amount > account.balance) {
      throw new ContractValidateError("frozenBalance must be less than or equal to accountBalance");
    }
    if (duration !== BigInt(PARAMS.frozenDurationDays)) {
      throw new ContractValidateError(
        `frozenDuration must be less than ${PARAMS.frozenDurationDays} days and more than ${PARAMS.frozenDurationDays} days`,
      );
    }
    if (resourceOf(v) === "TRON_POWER" && receiver) {
      throw new ContractValidateError("TRON_POWER is not allowed to delegate to other accounts.");
    }
    if (receiver) {
      if (receiver === owner) {
        throw new ContractValidateError("receiverAddress must not be the same as ownerAddress");
      }
      if (!isAddress(receiver)) throw new ContractValidateError("Invalid receiverAddress");
      if (!ctx.get(receiver)) throw new ContractValidateError(`Account[${receiver}] not exists`);
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "frozen_balance");
    const resource = resourceOf(v);
    const expireTime = ctx.now + PARAMS.frozenDurationDays * PARAMS.dayMs;
    const energy = resource === "ENERGY";
    if (receiver) {
      ctx.update(owner, (a) =>
        energy
          ? { balance: a.balance - amount, delegatedV1Energy: a.delegatedV1Energy + amount }
          : { balance: a.balance - amount, delegatedV1Bandwidth: a.delegatedV1Bandwidth + amount },
      );
      ctx.update(receiver, (a) =>
        energy
          ? { acquiredV1Energy: a.acquiredV1Energy + amount }
          : { acquiredV1Bandwidth: a.acquiredV1Bandwidth + amount },
      );
      addDelegation(ctx.delegationsV1, owner, receiver, energy, amount, expireTime);
    } else if (resource === "TRON_POWER") {
      // Stake 1.0 TRON_POWER freezes are kept with the Stake 2.0 TRON_POWER bucket (same holdings rule)
      ctx.update(owner, (a) => ({
        balance: a.balance - amount,
        frozenV2TronPower: a.frozenV2TronPower + amount,
      }));
    } else {
      ctx.update(owner, (a) => {
        const prev = energy ? a.frozenV1Energy : a.frozenV1Bandwidth;
        const frozen = { amount: (prev?.amount ?? 0n) + amount, expireTime };
        return energy
          ? { balance: a.balance - amount, frozenV1Energy: frozen }
          : { balance: a.balance - amount, frozenV1Bandwidth: frozen };
      });
    }
    if (resource === "BANDWIDTH") ctx.totals.netWeight += amount / SUN_PER_TRX;
    if (resource === "ENERGY") ctx.totals.energyWeight += amount / SUN_PER_TRX;
  },
};

export const unfreezeV1Actuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const resource = resourceOf(v);
    if (!isAddress(owner)) throw new ContractValidateError("Invalid address");
    const account = ctx.get(owner);
    if (!account) throw new ContractValidateError(`Account[${owner}] does not exist`);
    if (resource === "TRON_POWER")
      throw new ContractValidateError("ResourceCode error.valid ResourceCode[BANDWIDTH、Energy]");
    if (receiver) {
      if (receiver === owner) {
        throw new ContractValidateError("receiverAddress must not be the same as ownerAddress");
      }
      const rec = ctx.delegationsV1.get(delegationKey(owner, receiver));
      if (!rec) throw new ContractValidateError("delegated Resource does not exist");
      const amount = resource === "ENERGY" ? rec.energy : rec.bandwidth;
      const expire = resource === "ENERGY" ? rec.energyExpire : rec.bandwidthExpire;
      if (amount <= 0n) throw new ContractValidateError(`no delegatedFrozenBalance(${resource})`);
      if (expire > ctx.now) throw new ContractValidateError("It's not time to unfreeze.");
      return;
    }
    const frozen = resource === "ENERGY" ? account.frozenV1Energy : account.frozenV1Bandwidth;
    if (!frozen || frozen.amount <= 0n) {
      throw new ContractValidateError(
        resource === "ENERGY" ? "no frozenBalance(Energy)" : "no frozenBalance(BANDWIDTH)",
      );
    }
    if (frozen.expireTime > ctx.now) {
      throw new ContractValidateError(
        resource === "ENERGY"
          ? "It's not time to unfreeze(Energy)."
          : "It's not time to unfreeze(BANDWIDTH).",
      );
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const energy = resourceOf(v) === "ENERGY";
    let amount: bigint;
    if (receiver) {
      amount = clearDelegation(ctx.delegationsV1, owner, receiver, energy);
      ctx.update(owner, (a) =>
        energy
          ? { balance: a.balance + amount, delegatedV1Energy: a.delegatedV1Energy - amount }
          : { balance: a.balance + amount, delegatedV1Bandwidth: a.delegatedV1Bandwidth - amount },
      );
      // the receiver may have been used up elsewhere; java-tron clamps its acquired amount at 0
      if (ctx.get(receiver)) {
        ctx.update(receiver, (a) =>
          energy
            ? { acquiredV1Energy: max0(a.acquiredV1Energy - amount) }
            : { acquiredV1Bandwidth: max0(a.acquiredV1Bandwidth - amount) },
        );
      }
    } else {
      const account = ctx.require(owner);
      amount = (energy ? account.frozenV1Energy?.amount : account.frozenV1Bandwidth?.amount) ?? 0n;
      ctx.update(owner, (a) =>
        energy
          ? { balance: a.balance + amount, frozenV1Energy: undefined }
          : { balance: a.balance + amount, frozenV1Bandwidth: undefined },
      );
    }
    if (energy) ctx.totals.energyWeight -= amount / SUN_PER_TRX;
    else ctx.totals.netWeight -= amount / SUN_PER_TRX;
    ctx.info.unfreeze_amount = amount;
  },
};

function max0(x: bigint): bigint {
  return x < 0n ? 0n : x;
}
