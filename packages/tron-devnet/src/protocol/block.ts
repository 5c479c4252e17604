import { sha256, signDigest } from "./crypto.js";
import { type Json, renderAddress } from "./json.js";
import { ProtoWriter, readFields, toInt64 } from "./protobuf.js";

/**
 * Block headers (java-tron Tron.proto `BlockHeader.raw`): blockID = 8-byte big-endian number ‖
 * sha256(raw)[8:32]; the witness signs sha256(raw); txTrieRoot is a Merkle tree over sha256 of each
 * full transaction with an odd node promoted unchanged (BlockCapsule.calcMerkleRoot).
 */

export interface BlockHeaderRaw {
  timestamp: bigint;
  txTrieRoot: Buffer;
  parentHash: Buffer;
  number: bigint;
  witnessId?: bigint;
  witnessAddress: string; // hex 41…
  version: bigint;
  accountStateRoot?: Buffer;
}

export function encodeHeaderRaw(r: BlockHeaderRaw): Buffer {
  return new ProtoWriter()
    .varint(1, r.timestamp)
    .bytes(2, r.txTrieRoot)
    .bytes(3, r.parentHash)
    .varint(7, r.number)
    .varint(8, r.witnessId ?? 0n)
    .bytes(9, Buffer.from(r.witnessAddress, "hex"))
    .varint(10, r.version)
    .bytes(11, r.accountStateRoot)
    .finish();
}

export function decodeHeaderRaw(bytes: Uint8Array): BlockHeaderRaw {
  const r: BlockHeaderRaw = {
    timestamp: 0n,
    txTrieRoot: Buffer.alloc(0),
    parentHash: Buffer.alloc(0),
    number: 0n,
    witnessAddress: "",
    version: 0n,
  };
  for (const f of readFields(bytes)) {
    const b = Buffer.from(f.bytes ?? Buffer.alloc(0));
    if (f.field === 1) r.timestamp = toInt64(f.value ?? 0n);
    else if (f.field === 2) r.txTrieRoot = b;
    else if (f.field === 3) r.parentHash = b;
    else if (f.field === 7) r.number = toInt64(f.value ?? 0n);
    else if (f.field === 8) r.witnessId = toInt64(f.value ?? 0n);
    else if (f.field === 9) r.witnessAddress = b.toString("hex");
    else if (f.field === 10) r.version = toInt64(f.value ?? 0n);
    else if (f.field === 11) r.accountStateRoot = b;
  }
  return r;
}

export function blockIdOf(number: bigint, rawHash: Buffer): Buffer {
  const id = Buffer.from(rawHash);
  id.writeBigUInt64BE(BigInt.asUintN(64, number), 0);
  return id;
}

export function computeBlockId(r: BlockHeaderRaw): Buffer {
  return blockIdOf(r.number, sha256(encodeHeaderRaw(r)));
}

export function signHeader(r: BlockHeaderRaw, witnessKeyHex: string): Buffer {
  return signDigest(sha256(encodeHeaderRaw(r)), witnessKeyHex);
}

/** Merkle root over the given leaf hashes; 32 zero bytes for an empty block. */
const EMPTY_ROOT = Buffer.alloc(32);

export function merkleRoot(leaves: Buffer[]): Buffer {
  // shared: an empty block should cost only its header (callers never mutate roots)
  if (leaves.length === 0) return EMPTY_ROOT;
  let level = leaves;
  const pair = Buffer.allocUnsafe(64);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Buffer;
      const right = level[i + 1];
      if (right && left.length === 32 && right.length === 32) {
        left.copy(pair, 0);
        right.copy(pair, 32);
        next.push(sha256(pair));
      } else next.push(right ? sha256(Buffer.concat([left, right])) : left);
    }
    level = next;
  }
  return level[0] as Buffer;
}

/** TaPoS reference of a block: bytes 6..8 of the number and bytes 8..16 of the blockID. */
export function taposOf(blockId: Buffer): { refBlockBytes: Buffer; refBlockHash: Buffer } {
  return { refBlockBytes: blockId.subarray(6, 8), refBlockHash: blockId.subarray(8, 16) };
}

export function renderHeader(
  r: BlockHeaderRaw,
  witnessSignature: Buffer,
  visible: boolean,
): Record<string, Json> {
  const raw: Record<string, Json> = {};
  if (r.number) raw.number = r.number;
  if (r.txTrieRoot.length) raw.txTrieRoot = r.txTrieRoot.toString("hex");
  if (r.witnessAddress) raw.witness_address = renderAddress(r.witnessAddress, visible);
  if (r.parentHash.length) raw.parentHash = r.parentHash.toString("hex");
  if (r.witnessId) raw.witness_id = r.witnessId;
  if (r.accountStateRoot?.length) raw.accountStateRoot = r.accountStateRoot.toString("hex");
  if (r.version) raw.version = r.version;
  if (r.timestamp) raw.timestamp = r.timestamp;
  return { raw_data: raw, witness_signature: witnessSignature.toString("hex") };
}
