export {
  AddressError,
  addressToBytes,
  type Base58Address,
  bytesToBase58Address,
  isBase58Address,
  isHexAddress,
  isTronAddress,
  StrictBase58Address,
  TronAddress,
  toBase58Address,
  toHexAddress,
} from "./address.js";
export {
  base58AddressBytesUnchecked,
  decodeBase58Address,
  decodeBase58AddressInto,
  encodeBase58Address,
} from "./base58.js";
export { type AccountJson, accountHolding, type Holding, HoldingError, int64 } from "./holding.js";
export {
  type Json,
  type JsonObject,
  parseNodeJson,
  stringifyNodeJson,
  TronNodeClient,
  type TronNodeClientOptions,
} from "./node-client.js";
export {
  recoverMessageSignerWithTronWeb,
  signCommand,
  signMessage,
  verifyCommandSignature,
} from "./signature.js";
export {
  canonicalJson,
  hashTronMessage,
  isSignatureHex,
  recoverHashSigner,
  recoverMessageSigner,
  signatureBytes,
  TRON_MESSAGE_PREFIX,
} from "./signed-message.js";
export { BTT_DECIMALS, BTT_TOKEN_ID, SUN_PER_TRX, TRX_DECIMALS } from "./units.js";
