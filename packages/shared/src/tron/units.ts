/** TRON units (TOKENOMICS.md). Token id and precision are configuration in services; these are defaults. */
export const SUN_PER_TRX = 1_000_000n;
export const TRX_DECIMALS = 6;
export const BTT_TOKEN_ID = "1002000";
export const BTT_DECIMALS = 6;
