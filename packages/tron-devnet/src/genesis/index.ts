export {
  accountToJson,
  GENESIS_FILE_FORMAT,
  GenesisFileError,
  loadGenesisFile,
  parseGenesis,
  writeGenesisFile,
} from "./file.js";
export {
  BTT_ASSET_ID,
  BTT_TOTAL_SUPPLY,
  DEFAULT_ACCOUNTS,
  DEFAULT_SEED,
  DEVELOPMENT_ACCOUNT_BALANCE,
  DEVELOPMENT_ACCOUNT_COUNT,
  defaultGenesisTimestamp,
  type GenerateGenesisOptions,
  generateGenesis,
  WHALE_COUNT,
} from "./generate.js";
export { developmentPrivateKey, populationAddress, witnessPrivateKey } from "./keys.js";
export type {
  DevelopmentAccount,
  Genesis,
  GenesisAccount,
  GenesisAsset,
  GenesisDelegation,
  ResourceType,
} from "./types.js";
