/**
 * What a round's transfers will cost in bandwidth, shown before approval. java-tron charges each
 * transaction its serialized size (without `ret`) plus 64 bytes (MAX_RESULT_SIZE_IN_TX), taken
 * from free or staked bandwidth, else burnt at the `getTransactionFee` price (1000 sun per byte).
 * The estimate assumes no free or staked bandwidth: an upper bound.
 */

const MAX_RESULT_SIZE_IN_TX = 64;
export const SUN_PER_BANDWIDTH_BYTE = 1000n;

function varintLength(value: number): number {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) length += 1;
  return length;
}

/** A length-delimited protobuf field with a one-byte tag. */
function field(length: number): number {
  return 1 + varintLength(length) + length;
}

/** Serialized size of a signed TransferAssetContract transaction with a memo of `memoBytes`. */
export function transferAssetSize(tokenId: string, amount: bigint, memoBytes: number): number {
  const amountLength = varintLength(Number(amount));
  const value = field(Buffer.byteLength(tokenId)) + field(21) + field(21) + 1 + amountLength;
  const any = field("type.googleapis.com/protocol.TransferAssetContract".length) + field(value);
  const contract = 2 /* type */ + field(any);
  const expirationAndTimestamp = 2 * (1 + varintLength(2 ** 41));
  const raw = field(2) + field(8) + expirationAndTimestamp + field(memoBytes) + field(contract);
  return field(raw) + field(65);
}

export interface FeeEstimate {
  bandwidthBytes: bigint;
  trxBurnSun: bigint;
}

/** Memo of the first attempt: `btt:airdrop:<payment uuid>:1`. */
const AIRDROP_MEMO_BYTES = "btt:airdrop:".length + 36 + ":1".length;

export function estimateRoundFees(tokenId: string, amounts: Iterable<bigint>): FeeEstimate {
  let bytes = 0; // < 2^53 for any table that fits in memory
  for (const amount of amounts)
    bytes += transferAssetSize(tokenId, amount, AIRDROP_MEMO_BYTES) + MAX_RESULT_SIZE_IN_TX;
  return { bandwidthBytes: BigInt(bytes), trxBurnSun: BigInt(bytes) * SUN_PER_BANDWIDTH_BYTE };
}
