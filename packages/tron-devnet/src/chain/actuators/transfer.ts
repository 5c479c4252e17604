import { ContractValidateError, type TxContext } from "../context.js";
import { PARAMS } from "../params.js";
import { emptyAccount } from "../state.js";
import { type Actuator, bytes, int, isAddress, str } from "./types.js";

/** TransferContract and TransferAssetContract (java-tron TransferActuator, TransferAssetActuator). */

export const transferActuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const to = str(v, "to_address");
    const amount = int(v, "amount");
    if (!isAddress(owner)) throw new ContractValidateError("Invalid ownerAddress!");
    if (!isAddress(to)) throw new ContractValidateError("Invalid toAddress!");
    if (owner === to) throw new ContractValidateError("Cannot transfer TRX to yourself.");
    const account = ctx.get(owner);
    if (!account) throw new ContractValidateError("Validate TransferContract error, no OwnerAccount.");
    if (amount <= 0n) throw new ContractValidateError("Amount must be greater than 0.");
    const fee = ctx.get(to) ? 0n : PARAMS.createNewAccountFeeInSystemContract;
    if (account.balance < amount + fee) {
      throw new ContractValidateError("Validate TransferContract error, balance is not sufficient.");
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const to = str(v, "to_address");
    const amount = int(v, "amount");
    const fee = createRecipient(ctx, to);
    ctx.update(owner, (a) => ({ balance: a.balance - amount - fee, latestOperationTime: ctx.now }));
    ctx.update(to, (a) => ({ balance: a.balance + amount }));
  },
};

export const transferAssetActuator: Actuator = {
  validate(ctx, v) {
    const owner = str(v, "owner_address");
    const to = str(v, "to_address");
    const amount = int(v, "amount");
    const id = bytes(v, "asset_name").toString("utf8");
    if (!isAddress(owner)) throw new ContractValidateError("Invalid ownerAddress");
    if (!isAddress(to)) throw new ContractValidateError("Invalid toAddress");
    if (amount <= 0n) throw new ContractValidateError("Amount must be greater than 0.");
    if (owner === to) throw new ContractValidateError("Cannot transfer asset to yourself.");
    const account = ctx.get(owner);
    if (!account) throw new ContractValidateError("No owner account!");
    if (!ctx.assets.has(id)) throw new ContractValidateError("No asset!");
    const held = account.assets?.[id] ?? 0n;
    if (held <= 0n) throw new ContractValidateError("assetBalance must be greater than 0.");
    if (amount > held) throw new ContractValidateError("assetBalance is not sufficient.");
    if (!ctx.get(to) && account.balance < PARAMS.createNewAccountFeeInSystemContract) {
      throw new ContractValidateError("Validate TransferAssetActuator error, insufficient fee.");
    }
  },
  execute(ctx, v) {
    const owner = str(v, "owner_address");
    const to = str(v, "to_address");
    const amount = int(v, "amount");
    const id = bytes(v, "asset_name").toString("utf8");
    const fee = createRecipient(ctx, to);
    ctx.update(owner, (a) => ({
      balance: a.balance - fee,
      assets: { ...a.assets, [id]: (a.assets?.[id] ?? 0n) - amount },
      latestOperationTime: ctx.now,
    }));
    ctx.update(to, (a) => ({ assets: { ...a.assets, [id]: (a.assets?.[id] ?? 0n) + amount } }));
  },
};

/** Creates the recipient if it does not exist; returns the system-contract fee that costs. */
function createRecipient(ctx: TxContext, to: string): bigint {
  if (ctx.get(to)) return 0n;
  ctx.set(emptyAccount(to, ctx.now));
  ctx.fee += PARAMS.createNewAccountFeeInSystemContract;
  return PARAMS.createNewAccountFeeInSystemContract;
}
