import { addDelegation, ContractValidateError, delegationKey } from "../context.js";
import { PARAMS, SUN_PER_TRX } from "../params.js";
import { frozenV2Of, withFrozenV2 } from "./stake-v2.js";
import { type Actuator, int, isAddress, str } from "./types.js";

/**
 * Stake 2.0 delegation (java-tron DelegateResourceActuator, UnDelegateResourceActuator).
 * Delegating moves the amount out of the owner's frozenV2 into delegated_frozenV2_balance_for_*;
 * the TRX stays the owner's. Undelegating moves it back.
 */

function resourceOf(v: Parameters<Actuator["validate"]>[1]): "BANDWIDTH" | "ENERGY" | "TRON_POWER" {
  const r = v.resource;
  return r === "ENERGY" || r === "TRON_POWER" ? r : "BANDWIDTH";
}

export const delegateResourceActuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "balance");
    if (!isAddress(owner)) throw new ContractValidateError("Invalid address");
    const account = ctx.get(owner);
    if (!account) throw new ContractValidateError(`Account[${owner}] does not exist`);
    if (amount < SUN_PER_TRX)
      throw new ContractValidateError("delegateBalance must be greater than or equal to 1 TRX");
    const r = resourceOf(v);
    if (r === "TRON_POWER") {
      throw new ContractValidateError("ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]");
    }
    if (amount > frozenV2Of(account, r)) {
      throw new ContractValidateError(
        "delegateBalance must be less than or equal to available FreezeV2 balance",
      );
    }
    if (!isAddress(receiver)) throw new ContractValidateError("Invalid receiverAddress");
    if (receiver === owner)
      throw new ContractValidateError("receiverAddress must not be the same as ownerAddress");
    if (!ctx.get(receiver)) throw new ContractValidateError(`Account[${receiver}] does not exist`);
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "balance");
    const r = resourceOf(v);
    const energy = r === "ENERGY";
    const lockBlocks = int(v, "lock_period") || PARAMS.defaultLockPeriodBlocks;
    const lockExpire = v.lock === true ? ctx.now + Number(lockBlocks) * PARAMS.slotMs : 0;
    ctx.update(owner, (a) => ({
      ...withFrozenV2(r, frozenV2Of(a, r) - amount),
      ...(energy
        ? { delegatedV2Energy: a.delegatedV2Energy + amount }
        : { delegatedV2Bandwidth: a.delegatedV2Bandwidth + amount }),
    }));
    ctx.update(receiver, (a) =>
      energy
        ? { acquiredV2Energy: a.acquiredV2Energy + amount }
        : { acquiredV2Bandwidth: a.acquiredV2Bandwidth + amount },
    );
    addDelegation(ctx.delegationsV2, owner, receiver, energy, amount, lockExpire);
  },
};

export const unDelegateResourceActuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "balance");
    if (!isAddress(owner)) throw new ContractValidateError("Invalid address");
    if (!ctx.get(owner)) throw new ContractValidateError(`Account[${owner}] does not exist`);
    if (!isAddress(receiver)) throw new ContractValidateError("Invalid receiverAddress");
    if (receiver === owner)
      throw new ContractValidateError("receiverAddress must not be the same as ownerAddress");
    const r = resourceOf(v);
    if (r === "TRON_POWER") {
      throw new ContractValidateError("ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]");
    }
    if (amount <= 0n) throw new ContractValidateError("unDelegateBalance must be more than 0 TRX");
    const rec = ctx.delegationsV2.get(delegationKey(owner, receiver));
    if (!rec) throw new ContractValidateError("delegated Resource does not exist");
    const delegated = r === "ENERGY" ? rec.energy : rec.bandwidth;
    const locked = (r === "ENERGY" ? rec.energyExpire : rec.bandwidthExpire) > ctx.now;
    const unlocked = locked ? 0n : delegated;
    if (unlocked < amount) {
      throw new ContractValidateError(
        `insufficient delegatedFrozenBalance(${r}), request=${amount}, unlock_balance=${unlocked}`,
      );
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const receiver = str(v, "receiver_address");
    const amount = int(v, "balance");
    const r = resourceOf(v);
    const energy = r === "ENERGY";
    addDelegation(ctx.delegationsV2, owner, receiver, energy, -amount, 0);
    ctx.update(owner, (a) => ({
      ...withFrozenV2(r, frozenV2Of(a, r) + amount),
      ...(energy
        ? { delegatedV2Energy: a.delegatedV2Energy - amount }
        : { delegatedV2Bandwidth: a.delegatedV2Bandwidth - amount }),
    }));
    if (ctx.get(receiver)) {
      ctx.update(receiver, (a) =>
        energy
          ? { acquiredV2Energy: a.acquiredV2Energy > amount ? a.acquiredV2Energy - amount : 0n }
          : { acquiredV2Bandwidth: a.acquiredV2Bandwidth > amount ? a.acquiredV2Bandwidth - amount : 0n },
      );
    }
  },
};
