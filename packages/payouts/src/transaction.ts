import { createHash } from "node:crypto";
import { stringifyNodeJson } from "@btt/shared/tron";

/**
 * TransferAssetContract transactions built locally, byte for byte what TronWeb 6.5's
 * `transactionBuilder.sendToken(…, { blockHeader })` followed by `addUpdateData(…, { txLocal: true })`
 * produces (transaction.test.ts compares them on random inputs), without a node call and without
 * TronWeb's int64-as-double: amounts are bigint end to end. One protobuf write and one sha256 per
 * attempt instead of TronWeb's two builds.
 *
 * Transaction.raw fields (Tron.proto): ref_block_bytes=1, ref_block_hash=4, expiration=8, data=10,
 * contract=11, timestamp=14. Contract: type=1 (TransferAssetContract = 2), parameter=2 (Any:
 * type_url=1, value=2). TransferAssetContract: asset_name=1, owner_address=2, to_address=3, amount=4.
 */

export const TRANSFER_ASSET_TYPE_URL = "type.googleapis.com/protocol.TransferAssetContract";
const TRANSFER_ASSET_CONTRACT_TYPE = 2;
const INT64_MAX = (1n << 63n) - 1n;

/** The block a transaction references (TaPoS) and whose time starts its expiration window. */
export interface ReferenceBlock {
  number: number;
  /** blockID, 64 hex digits */
  id: string;
  timestampMs: number;
}

export interface TransferAssetInput {
  /** 21 bytes each (0x41 ‖ 20) */
  owner: Uint8Array;
  to: Uint8Array;
  /** TRC-10 id as decimal text, e.g. "1002000" */
  tokenId: string;
  amount: bigint;
  /** raw_data.data, hex */
  dataHex: string;
  reference: ReferenceBlock;
  expirationMs: number;
}

/** java-tron's JSON (`visible: false`) of an unsigned transaction. */
export interface UnsignedTransaction {
  visible: false;
  txID: string;
  raw_data: {
    contract: [
      {
        parameter: {
          value: { amount: number | bigint; asset_name: string; owner_address: string; to_address: string };
          type_url: string;
        };
        type: "TransferAssetContract";
      },
    ];
    ref_block_bytes: string;
    ref_block_hash: string;
    expiration: number;
    timestamp: number;
    data: string;
  };
  raw_data_hex: string;
}

export interface SignedTransaction extends UnsignedTransaction {
  signature: string[];
}

class ProtoWriter {
  private readonly parts: Buffer[] = [];
  private length = 0;

  private push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Buffer.from(bytes));
  }

  uint(field: number, value: bigint | number): this {
    if (BigInt(value) === 0n) return this; // proto3 omits defaults
    this.varint(BigInt(field << 3));
    this.varint(BigInt(value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    if (value.length === 0) return this;
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(value.length));
    this.push(Buffer.from(value));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

export function refBlockBytes(reference: ReferenceBlock): { bytes: string; hash: string } {
  if (!/^[0-9a-f]{64}$/.test(reference.id)) throw new RangeError(`not a block id: ${reference.id}`);
  return { bytes: reference.id.slice(12, 16), hash: reference.id.slice(16, 32) };
}

export function buildTransferAsset(input: TransferAssetInput): UnsignedTransaction {
  const { amount, reference } = input;
  if (amount <= 0n || amount > INT64_MAX) throw new RangeError(`amount out of int64 range: ${amount}`);
  if (input.owner.length !== 21 || input.to.length !== 21) throw new RangeError("addresses must be 21 bytes");
  const ref = refBlockBytes(reference);
  const timestamp = reference.timestampMs;
  const expiration = timestamp + input.expirationMs;
  const assetName = Buffer.from(input.tokenId, "utf8");

  const contract = new ProtoWriter()
    .bytes(1, assetName)
    .bytes(2, input.owner)
    .bytes(3, input.to)
    .uint(4, amount)
    .finish();
  const any = new ProtoWriter().bytes(1, Buffer.from(TRANSFER_ASSET_TYPE_URL)).bytes(2, contract).finish();
  const contractEntry = new ProtoWriter().uint(1, TRANSFER_ASSET_CONTRACT_TYPE).bytes(2, any).finish();
  const raw = new ProtoWriter()
    .bytes(1, Buffer.from(ref.bytes, "hex"))
    .bytes(4, Buffer.from(ref.hash, "hex"))
    .uint(8, expiration)
    .bytes(10, Buffer.from(input.dataHex, "hex"))
    .bytes(11, contractEntry)
    .uint(14, timestamp)
    .finish();

  return {
    visible: false,
    txID: createHash("sha256").update(raw).digest("hex"),
    raw_data: {
      contract: [
        {
          parameter: {
            value: {
              amount: amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : amount,
              asset_name: assetName.toString("hex"),
              owner_address: Buffer.from(input.owner).toString("hex"),
              to_address: Buffer.from(input.to).toString("hex"),
            },
            type_url: TRANSFER_ASSET_TYPE_URL,
          },
          type: "TransferAssetContract",
        },
      ],
      ref_block_bytes: ref.bytes,
      ref_block_hash: ref.hash,
      expiration,
      timestamp,
      data: input.dataHex,
    },
    raw_data_hex: raw.toString("hex"),
  };
}

/** txID = sha256(raw_data bytes): what a signer must check before it signs. */
export function transactionIdOf(rawDataHex: string): string {
  return createHash("sha256").update(Buffer.from(rawDataHex, "hex")).digest("hex");
}

/** The broadcast body: plain JSON.stringify unless an amount needs more than a double. */
export function transactionJson(transaction: SignedTransaction | UnsignedTransaction): string {
  const amount = transaction.raw_data.contract[0].parameter.value.amount;
  return typeof amount === "bigint" ? stringifyNodeJson(transaction) : JSON.stringify(transaction);
}
