import { PARAMS } from "../chain/params.js";
import type { Json } from "../protocol/json.js";

/**
 * `wallet/getchainparameters`: mainnet's values for the parameters the devnet's rules use (fees,
 * free bandwidth, unstaking delay) from PARAMS, the rest as on mainnet for realism. Zero values
 * are printed without `value`, like java-tron's JsonFormat.
 */
export function chainParameters(): Json[] {
  const entries: [string, bigint | number][] = [
    ["getMaintenanceTimeInterval", 21_600_000],
    ["getAccountUpgradeCost", 9_999_000_000],
    ["getCreateAccountFee", PARAMS.createAccountFee],
    ["getTransactionFee", PARAMS.transactionFee],
    ["getAssetIssueFee", 1_024_000_000],
    ["getWitnessPayPerBlock", 16_000_000],
    ["getWitnessStandbyAllowance", 115_200_000_000],
    ["getCreateNewAccountFeeInSystemContract", PARAMS.createNewAccountFeeInSystemContract],
    ["getCreateNewAccountBandwidthRate", 1],
    ["getAllowCreationOfContracts", 1],
    ["getRemoveThePowerOfTheGr", -1],
    ["getEnergyFee", 100],
    ["getExchangeCreateFee", 1_024_000_000],
    ["getMaxCpuTimeOfOneTx", 80],
    ["getAllowUpdateAccountName", 0],
    ["getAllowSameTokenName", 1],
    ["getAllowDelegateResource", 1],
    ["getTotalEnergyLimit", PARAMS.totalEnergyLimit],
    ["getAllowTvmTransferTrc10", 1],
    ["getTotalEnergyCurrentLimit", PARAMS.totalEnergyLimit],
    ["getAllowMultiSign", 1],
    ["getAllowAdaptiveEnergy", 0],
    ["getUpdateAccountPermissionFee", 100_000_000],
    ["getMultiSignFee", 1_000_000],
    ["getAllowAccountStateRoot", 0],
    ["getAllowProtoFilterNum", 0],
    ["getAllowTvmConstantinople", 1],
    ["getAllowTvmSolidity059", 1],
    ["getAllowTvmIstanbul", 1],
    ["getAllowShieldedTRC20Transaction", 1],
    ["getForbidTransferToContract", 0],
    ["getAdaptiveResourceLimitTargetRatio", 10],
    ["getAdaptiveResourceLimitMultiplier", 1000],
    ["getChangeDelegation", 1],
    ["getWitness127PayPerBlock", 128_000_000],
    ["getAllowMarketTransaction", 0],
    ["getMarketSellFee", 0],
    ["getMarketCancelFee", 0],
    ["getAllowPBFT", 0],
    ["getAllowTransactionFeePool", 0],
    ["getMaxFeeLimit", 15_000_000_000],
    ["getAllowOptimizeBlackHole", 1],
    ["getAllowNewResourceModel", 1],
    ["getAllowTvmFreeze", 1],
    ["getAllowTvmVote", 1],
    ["getAllowTvmLondon", 1],
    ["getAllowTvmCompatibleEvm", 0],
    ["getAllowAccountAssetOptimization", 0],
    ["getFreeNetLimit", PARAMS.freeNetLimit],
    ["getTotalNetLimit", PARAMS.totalNetLimit],
    ["getAllowHigherLimitForMaxCpuTimeOfOneTx", 1],
    ["getAllowAssetOptimization", 1],
    ["getAllowNewReward", 1],
    ["getAllowDelegateOptimization", 1],
    ["getUnfreezeDelayDays", PARAMS.unfreezeDelayDays],
    ["getAllowOptimizedReturnValueOfChainId", 1],
    ["getAllowDynamicEnergy", 1],
    ["getAllowTvmShangHai", 1],
    ["getAllowCancelAllUnfreezeV2", 1],
    ["getMaxDelegateLockPeriod", 864_000],
  ];
  return entries.map(([key, value]) => {
    const e: Record<string, Json> = { key };
    if (value !== 0 && value !== 0n) e.value = value;
    return e;
  });
}
