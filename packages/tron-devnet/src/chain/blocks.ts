import { type BlockHeaderRaw, blockIdOf, encodeHeaderRaw, merkleRoot } from "../protocol/block.js";
import { sha256 } from "../protocol/crypto.js";
import { ProtoWriter } from "../protocol/protobuf.js";
import { type DecodedTransaction, transactionSize } from "../protocol/transaction.js";

/**
 * Compact block storage: a block keeps its header fields and the ids of its transactions (none
 * for an empty block); the witness signature is deterministic (RFC 6979) and recomputed when a
 * block is rendered rather than stored.
 */

export const BLOCK_VERSION = 34n;

export interface BlockRecord {
  number: number;
  timestamp: number;
  id: Buffer;
  parentHash: Buffer;
  txTrieRoot: Buffer;
  txIds?: string[];
}

export function headerOf(b: BlockRecord, witnessAddress: string): BlockHeaderRaw {
  return {
    timestamp: BigInt(b.timestamp),
    txTrieRoot: b.txTrieRoot,
    parentHash: b.parentHash,
    number: BigInt(b.number),
    witnessAddress,
    version: BLOCK_VERSION,
  };
}

const RET_SUCCESS = new ProtoWriter().varint(3, 1).finish(); // Result.contractRet = SUCCESS (1)

function blockTransactionWriter(tx: DecodedTransaction): ProtoWriter {
  const w = new ProtoWriter(transactionSize(tx.rawBytes, tx.signatures) + 8).message(1, tx.rawBytes, true);
  for (const s of tx.signatures) w.message(2, s, true);
  return w.message(5, RET_SUCCESS, true);
}

/** The full transaction as stored in a block: raw_data, signatures and ret [{contractRet: SUCCESS}]. */
export function blockTransactionBytes(tx: DecodedTransaction): Buffer {
  return blockTransactionWriter(tx).finish();
}

/** sha256 of `blockTransactionBytes(tx)`: a txTrieRoot leaf. */
export function blockTransactionHash(tx: DecodedTransaction): Buffer {
  return sha256(blockTransactionWriter(tx).view());
}

export function sealBlock(
  number: number,
  timestamp: number,
  parentHash: Buffer,
  txs: DecodedTransaction[],
  witnessAddress: string,
): BlockRecord {
  const txTrieRoot = merkleRoot(txs.map(blockTransactionHash));
  const record: BlockRecord = { number, timestamp, id: Buffer.alloc(32), parentHash, txTrieRoot };
  if (txs.length > 0) record.txIds = txs.map((tx) => tx.txId.toString("hex"));
  record.id = blockIdOf(BigInt(number), sha256(encodeHeaderRaw(headerOf(record, witnessAddress))));
  return record;
}
