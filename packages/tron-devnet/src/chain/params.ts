/**
 * Network parameters as on mainnet today (getchainparameters), the ones the devnet's rules use.
 * Sources: TRON-API.md §5 and java-tron DynamicPropertiesStore.
 */
export const PARAMS = {
  /** sun burned per bandwidth byte when neither staked nor free bandwidth covers a tx */
  transactionFee: 1000n,
  /** sun burned for the bandwidth of a tx that creates an account, when stake does not cover it */
  createAccountFee: 100_000n,
  /** sun charged by Transfer/TransferAsset actuators for creating the recipient */
  createNewAccountFeeInSystemContract: 1_000_000n,
  freeNetLimit: 600n,
  totalNetLimit: 43_200_000_000n,
  totalEnergyLimit: 90_000_000_000n,
  /** Stake 2.0 unstaking period (network parameter #70) */
  unfreezeDelayDays: 14,
  /** usage recovers linearly over this many 3-second slots (24 h) */
  windowSlots: 28_800,
  slotMs: 3000,
  /** bytes added per contract for the result (Constant.MAX_RESULT_SIZE_IN_TX) */
  maxResultSize: 64,
  maxTransactionBytes: 500 * 1024,
  maxExpirationWindowMs: 86_400_000,
  /** Stake 1.0 freeze duration, days (min = max = 3) */
  frozenDurationDays: 3,
  /** default Stake 2.0 delegation lock (DELEGATE_PERIOD), in 3-second blocks: 3 days */
  defaultLockPeriodBlocks: 86_400n,
  maxUnfreezingEntries: 32,
  dayMs: 86_400_000,
} as const;

export const SUN_PER_TRX = 1_000_000n;
