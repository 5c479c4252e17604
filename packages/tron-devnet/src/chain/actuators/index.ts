import { delegateResourceActuator, unDelegateResourceActuator } from "./delegate.js";
import { freezeV1Actuator, unfreezeV1Actuator } from "./stake-v1.js";
import {
  cancelAllUnfreezeV2Actuator,
  freezeV2Actuator,
  unfreezeV2Actuator,
  withdrawExpireUnfreezeActuator,
} from "./stake-v2.js";
import { transferActuator, transferAssetActuator } from "./transfer.js";
import type { Actuator } from "./types.js";

/** The contracts this devnet executes; every other type is refused at validation. */
export const ACTUATORS: Record<string, Actuator> = {
  TransferContract: transferActuator,
  TransferAssetContract: transferAssetActuator,
  FreezeBalanceContract: freezeV1Actuator,
  UnfreezeBalanceContract: unfreezeV1Actuator,
  FreezeBalanceV2Contract: freezeV2Actuator,
  UnfreezeBalanceV2Contract: unfreezeV2Actuator,
  WithdrawExpireUnfreezeContract: withdrawExpireUnfreezeActuator,
  CancelAllUnfreezeV2Contract: cancelAllUnfreezeV2Actuator,
  DelegateResourceContract: delegateResourceActuator,
  UnDelegateResourceContract: unDelegateResourceActuator,
};

export type { Actuator } from "./types.js";
