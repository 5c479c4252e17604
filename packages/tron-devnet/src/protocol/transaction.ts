import {
  CONTRACT_NAMES,
  CONTRACT_TYPES,
  type ContractValue,
  decodeContractValue,
  parseContractValue,
  renderContractValue,
  writeContractValue,
} from "./contracts.js";
import { sha256 } from "./crypto.js";
import { hexToBytes, type Json, toBigInt } from "./json.js";
import { delimitedSize, ProtoDecodeError, ProtoWriter, readFields, toInt64 } from "./protobuf.js";

/**
 * Transaction codec (java-tron Tron.proto `Transaction`, `Transaction.raw`, `Transaction.Contract`).
 * The txID is sha256 of the raw_data bytes; a JSON broadcast is re-encoded from raw_data the way
 * java-tron's JsonFormat does (fields in number order, defaults omitted), ignoring the body's txID
 * and raw_data_hex.
 */

const TYPE_URL_PREFIX = "type.googleapis.com/protocol.";

export interface ContractEntry {
  /** "TransferContract", or "ContractType<n>" for types this devnet has no schema for. */
  type: string;
  typeNo: number;
  typeUrl: string;
  /** null when the type has no schema here (the transaction is then refused). */
  value: ContractValue | null;
  permissionId: number;
}

export interface RawTransaction {
  refBlockBytes: Buffer;
  refBlockNum: bigint;
  refBlockHash: Buffer;
  expiration: bigint;
  data: Buffer;
  contracts: ContractEntry[];
  timestamp: bigint;
  feeLimit: bigint;
  /** fields this codec does not model (auths, scripts), kept so re-encoding is lossless */
  extra: { field: number; bytes: Buffer }[];
}

export interface DecodedTransaction {
  raw: RawTransaction;
  rawBytes: Buffer;
  txId: Buffer;
  signatures: Buffer[];
}

export class TransactionFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransactionFormatError";
  }
}

function decodeContract(bytes: Buffer): ContractEntry {
  let typeNo = 0;
  let typeUrl = "";
  let valueBytes = Buffer.alloc(0);
  let permissionId = 0;
  for (const f of readFields(bytes)) {
    if (f.field === 1) typeNo = Number(f.value ?? 0n);
    else if (f.field === 2) {
      for (const a of readFields(f.bytes ?? Buffer.alloc(0))) {
        if (a.field === 1) typeUrl = (a.bytes ?? Buffer.alloc(0)).toString("utf8");
        else if (a.field === 2) valueBytes = Buffer.from(a.bytes ?? Buffer.alloc(0));
      }
    } else if (f.field === 5) permissionId = Number(f.value ?? 0n);
  }
  const type = CONTRACT_NAMES[typeNo] ?? `ContractType${typeNo}`;
  const value = CONTRACT_NAMES[typeNo] ? decodeContractValue(type, valueBytes) : null;
  return { type, typeNo, typeUrl, value, permissionId };
}

/** Transaction.Contract {type, parameter: Any {type_url, value}, Permission_id}, written in place. */
function writeContract(w: ProtoWriter, c: ContractEntry): void {
  if (!c.value) throw new TransactionFormatError(`cannot encode ${c.type}`);
  w.varint(1, c.typeNo);
  const any = w.begin(2);
  w.string(1, c.typeUrl);
  const value = w.begin(2);
  writeContractValue(w, c.type, c.value);
  w.end(2, value);
  w.end(2, any);
  w.varint(5, c.permissionId);
}

export function decodeRaw(bytes: Uint8Array): RawTransaction {
  const raw: RawTransaction = {
    refBlockBytes: Buffer.alloc(0),
    refBlockNum: 0n,
    refBlockHash: Buffer.alloc(0),
    expiration: 0n,
    data: Buffer.alloc(0),
    contracts: [],
    timestamp: 0n,
    feeLimit: 0n,
    extra: [],
  };
  for (const f of readFields(bytes)) {
    const b = Buffer.from(f.bytes ?? Buffer.alloc(0));
    switch (f.field) {
      case 1:
        raw.refBlockBytes = b;
        break;
      case 3:
        raw.refBlockNum = toInt64(f.value ?? 0n);
        break;
      case 4:
        raw.refBlockHash = b;
        break;
      case 8:
        raw.expiration = toInt64(f.value ?? 0n);
        break;
      case 10:
        raw.data = b;
        break;
      case 11:
        raw.contracts.push(decodeContract(b));
        break;
      case 14:
        raw.timestamp = toInt64(f.value ?? 0n);
        break;
      case 18:
        raw.feeLimit = toInt64(f.value ?? 0n);
        break;
      default:
        if (f.wireType === 2) raw.extra.push({ field: f.field, bytes: b });
    }
  }
  return raw;
}

export function encodeRaw(raw: RawTransaction): Buffer {
  const w = new ProtoWriter()
    .bytes(1, raw.refBlockBytes)
    .varint(3, raw.refBlockNum)
    .bytes(4, raw.refBlockHash)
    .varint(8, raw.expiration);
  for (const e of raw.extra) if (e.field === 9) w.message(9, e.bytes, true);
  w.bytes(10, raw.data);
  for (const c of raw.contracts) {
    const mark = w.begin(11);
    writeContract(w, c);
    w.end(11, mark, true);
  }
  for (const e of raw.extra) if (e.field === 12) w.bytes(12, e.bytes);
  return w.varint(14, raw.timestamp).varint(18, raw.feeLimit).finish();
}

/** A full `Transaction` message: raw_data, signatures and (optionally) the result entries. */
export function decodeTransactionBytes(bytes: Uint8Array): DecodedTransaction {
  let rawBytes: Buffer | undefined;
  const signatures: Buffer[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1) rawBytes = Buffer.from(f.bytes ?? Buffer.alloc(0));
    else if (f.field === 2) signatures.push(Buffer.from(f.bytes ?? Buffer.alloc(0)));
  }
  if (!rawBytes) throw new TransactionFormatError("transaction has no raw_data");
  return { raw: decodeRaw(rawBytes), rawBytes, txId: sha256(rawBytes), signatures };
}

/** Transaction bytes with `ret` left out: what java-tron charges bandwidth for. */
export function encodeTransactionBytes(rawBytes: Buffer, signatures: Buffer[]): Buffer {
  const w = new ProtoWriter(transactionSize(rawBytes, signatures) + 16).message(1, rawBytes, true);
  for (const s of signatures) w.message(2, s, true);
  return w.finish();
}

/** `encodeTransactionBytes(rawBytes, signatures).length`, without encoding. */
export function transactionSize(rawBytes: Buffer, signatures: Buffer[]): number {
  let size = delimitedSize(rawBytes.length);
  for (const s of signatures) size += delimitedSize(s.length);
  return size;
}

function typeNoOf(name: string): number {
  const no = CONTRACT_TYPES[name];
  if (no !== undefined) return no;
  throw new UnsupportedContractError(name);
}

export class UnsupportedContractError extends Error {
  constructor(readonly contractType: string) {
    super(`contract type ${contractType} has no schema in this devnet`);
    this.name = "UnsupportedContractError";
  }
}

/** Rebuilds a transaction from java-tron JSON (`broadcasttransaction` body). */
export function parseTransactionJson(body: Record<string, unknown>): DecodedTransaction {
  const visible = body.visible === true || body.visible === "true";
  const rd = body.raw_data as Record<string, unknown> | undefined;
  if (!rd || typeof rd !== "object") throw new TransactionFormatError("raw_data is missing");
  const contractsJson = Array.isArray(rd.contract) ? (rd.contract as Record<string, unknown>[]) : [];
  const contracts: ContractEntry[] = contractsJson.map((c) => {
    const type = String(c.type ?? "");
    const typeNo = typeNoOf(type);
    const parameter = (c.parameter ?? {}) as Record<string, unknown>;
    const value = parseContractValue(type, (parameter.value ?? {}) as Record<string, unknown>, visible);
    return {
      type,
      typeNo,
      typeUrl: String(parameter.type_url ?? `${TYPE_URL_PREFIX}${type}`),
      value,
      permissionId: Number(c.Permission_id ?? 0),
    };
  });
  const raw: RawTransaction = {
    refBlockBytes: hexToBytes(rd.ref_block_bytes, "ref_block_bytes"),
    refBlockNum: toBigInt(rd.ref_block_num, "ref_block_num"),
    refBlockHash: hexToBytes(rd.ref_block_hash, "ref_block_hash"),
    expiration: toBigInt(rd.expiration, "expiration"),
    data:
      visible && typeof rd.data === "string" && !/^[0-9a-fA-F]*$/.test(rd.data)
        ? Buffer.from(rd.data, "utf8")
        : hexToBytes(rd.data, "data"),
    contracts,
    timestamp: toBigInt(rd.timestamp, "timestamp"),
    feeLimit: toBigInt(rd.fee_limit, "fee_limit"),
    extra: [],
  };
  const rawBytes = encodeRaw(raw);
  const sigJson = Array.isArray(body.signature) ? body.signature : [];
  const signatures = sigJson.map((s) => hexToBytes(s, "signature"));
  return { raw, rawBytes, txId: sha256(rawBytes), signatures };
}

export function renderRawData(raw: RawTransaction, visible: boolean): Record<string, Json> {
  const out: Record<string, Json> = {};
  out.contract = raw.contracts.map((c) => {
    const entry: Record<string, Json> = {
      parameter: {
        value: c.value ? renderContractValue(c.type, c.value, visible) : {},
        type_url: c.typeUrl,
      },
      type: c.type,
    };
    if (c.permissionId) entry.Permission_id = c.permissionId;
    return entry;
  });
  if (raw.refBlockBytes.length) out.ref_block_bytes = raw.refBlockBytes.toString("hex");
  if (raw.refBlockNum) out.ref_block_num = raw.refBlockNum;
  if (raw.refBlockHash.length) out.ref_block_hash = raw.refBlockHash.toString("hex");
  if (raw.expiration) out.expiration = raw.expiration;
  if (raw.data.length) out.data = raw.data.toString(visible ? "utf8" : "hex");
  if (raw.timestamp) out.timestamp = raw.timestamp;
  if (raw.feeLimit) out.fee_limit = raw.feeLimit;
  return out;
}

/** `Util.printTransactionToJSON`: ret, signature, txID, raw_data, raw_data_hex. */
export function renderTransaction(
  tx: DecodedTransaction,
  visible: boolean,
  contractRet?: string,
): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (contractRet) out.ret = [{ contractRet }];
  if (tx.signatures.length) out.signature = tx.signatures.map((s) => s.toString("hex"));
  out.txID = tx.txId.toString("hex");
  out.raw_data = renderRawData(tx.raw, visible);
  out.raw_data_hex = tx.rawBytes.toString("hex");
  return out;
}

export { ProtoDecodeError };
