import { type Json, parseAddress, renderAddress, toBigInt } from "./json.js";
import { ProtoWriter, readFields, toInt64 } from "./protobuf.js";

/**
 * Contract parameter messages, field by field, as in java-tron's protos (core/contract/*.proto;
 * the same numbers TronWeb's generated classes use — the fixtures test checks the two agree).
 * A table instead of generated classes keeps int64 exact and lets one description drive decoding,
 * encoding from java-tron JSON and rendering.
 */

export type FieldKind =
  | "address"
  | "bytes"
  | "name"
  | "int64"
  | "bool"
  | "resource"
  | "accountType"
  | "votes";

export interface FieldSpec {
  json: string;
  no: number;
  kind: FieldKind;
}

export const CONTRACT_TYPES: Record<string, number> = {
  AccountCreateContract: 0,
  TransferContract: 1,
  TransferAssetContract: 2,
  VoteWitnessContract: 4,
  AccountUpdateContract: 10,
  FreezeBalanceContract: 11,
  UnfreezeBalanceContract: 12,
  WithdrawBalanceContract: 13,
  TriggerSmartContract: 31,
  FreezeBalanceV2Contract: 54,
  UnfreezeBalanceV2Contract: 55,
  WithdrawExpireUnfreezeContract: 56,
  DelegateResourceContract: 57,
  UnDelegateResourceContract: 58,
  CancelAllUnfreezeV2Contract: 59,
};

export const CONTRACT_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CONTRACT_TYPES).map(([name, no]) => [no, name]),
);

const owner1: FieldSpec = { json: "owner_address", no: 1, kind: "address" };

export const CONTRACT_FIELDS: Record<string, FieldSpec[]> = {
  AccountCreateContract: [
    owner1,
    { json: "account_address", no: 2, kind: "address" },
    { json: "type", no: 3, kind: "accountType" },
  ],
  TransferContract: [
    owner1,
    { json: "to_address", no: 2, kind: "address" },
    { json: "amount", no: 3, kind: "int64" },
  ],
  TransferAssetContract: [
    { json: "asset_name", no: 1, kind: "name" },
    { json: "owner_address", no: 2, kind: "address" },
    { json: "to_address", no: 3, kind: "address" },
    { json: "amount", no: 4, kind: "int64" },
  ],
  VoteWitnessContract: [
    owner1,
    { json: "votes", no: 2, kind: "votes" },
    { json: "support", no: 3, kind: "bool" },
  ],
  AccountUpdateContract: [
    { json: "account_name", no: 1, kind: "name" },
    { json: "owner_address", no: 2, kind: "address" },
  ],
  FreezeBalanceContract: [
    owner1,
    { json: "frozen_balance", no: 2, kind: "int64" },
    { json: "frozen_duration", no: 3, kind: "int64" },
    { json: "resource", no: 10, kind: "resource" },
    { json: "receiver_address", no: 15, kind: "address" },
  ],
  UnfreezeBalanceContract: [
    owner1,
    { json: "resource", no: 10, kind: "resource" },
    { json: "receiver_address", no: 15, kind: "address" },
  ],
  WithdrawBalanceContract: [owner1],
  TriggerSmartContract: [
    owner1,
    { json: "contract_address", no: 2, kind: "address" },
    { json: "call_value", no: 3, kind: "int64" },
    { json: "data", no: 4, kind: "bytes" },
    { json: "call_token_value", no: 5, kind: "int64" },
    { json: "token_id", no: 6, kind: "int64" },
  ],
  FreezeBalanceV2Contract: [
    owner1,
    { json: "frozen_balance", no: 2, kind: "int64" },
    { json: "resource", no: 3, kind: "resource" },
  ],
  UnfreezeBalanceV2Contract: [
    owner1,
    { json: "unfreeze_balance", no: 2, kind: "int64" },
    { json: "resource", no: 3, kind: "resource" },
  ],
  WithdrawExpireUnfreezeContract: [owner1],
  DelegateResourceContract: [
    owner1,
    { json: "resource", no: 2, kind: "resource" },
    { json: "balance", no: 3, kind: "int64" },
    { json: "receiver_address", no: 4, kind: "address" },
    { json: "lock", no: 5, kind: "bool" },
    { json: "lock_period", no: 6, kind: "int64" },
  ],
  UnDelegateResourceContract: [
    owner1,
    { json: "resource", no: 2, kind: "resource" },
    { json: "balance", no: 3, kind: "int64" },
    { json: "receiver_address", no: 4, kind: "address" },
  ],
  CancelAllUnfreezeV2Contract: [owner1],
};

export const RESOURCE_CODES = ["BANDWIDTH", "ENERGY", "TRON_POWER"] as const;
export type ResourceCode = (typeof RESOURCE_CODES)[number];
const ACCOUNT_TYPES = ["Normal", "AssetIssue", "Contract"] as const;

/** Decoded contract value: addresses as hex, bytes as Buffer, int64 as bigint, enums as names. */
export type ContractValue = Record<string, string | bigint | boolean | Buffer | VoteEntry[]>;
export interface VoteEntry {
  vote_address: string;
  vote_count: bigint;
}

function enumName(list: readonly string[], value: bigint): string {
  return list[Number(value)] ?? String(value);
}

export function decodeContractValue(type: string, bytes: Uint8Array): ContractValue {
  const specs = CONTRACT_FIELDS[type];
  if (!specs) throw new TypeError(`no schema for ${type}`);
  const out: ContractValue = {};
  for (const f of readFields(bytes)) {
    const spec = specs.find((s) => s.no === f.field);
    if (!spec) continue; // java-tron keeps unknown fields; nothing we render depends on them
    switch (spec.kind) {
      case "address":
        out[spec.json] = (f.bytes ?? Buffer.alloc(0)).toString("hex");
        break;
      case "bytes":
      case "name":
        out[spec.json] = Buffer.from(f.bytes ?? Buffer.alloc(0));
        break;
      case "int64":
        out[spec.json] = toInt64(f.value ?? 0n);
        break;
      case "bool":
        out[spec.json] = (f.value ?? 0n) !== 0n;
        break;
      case "resource":
        out[spec.json] = enumName(RESOURCE_CODES, f.value ?? 0n);
        break;
      case "accountType":
        out[spec.json] = enumName(ACCOUNT_TYPES, f.value ?? 0n);
        break;
      case "votes": {
        const vote: VoteEntry = { vote_address: "", vote_count: 0n };
        for (const v of readFields(f.bytes ?? Buffer.alloc(0))) {
          if (v.field === 1) vote.vote_address = (v.bytes ?? Buffer.alloc(0)).toString("hex");
          if (v.field === 2) vote.vote_count = toInt64(v.value ?? 0n);
        }
        const list = (out[spec.json] as VoteEntry[] | undefined) ?? [];
        list.push(vote);
        out[spec.json] = list;
        break;
      }
    }
  }
  return out;
}

/** The schemas in field-number order (the order fields are written in), computed once. */
const FIELDS_BY_NUMBER: Record<string, FieldSpec[]> = Object.fromEntries(
  Object.entries(CONTRACT_FIELDS).map(([type, specs]) => [type, [...specs].sort((a, b) => a.no - b.no)]),
);

export function encodeContractValue(type: string, value: ContractValue): Buffer {
  return writeContractValue(new ProtoWriter(), type, value).finish();
}

/** Appends the fields of a contract value to `w` (so callers can nest without extra copies). */
export function writeContractValue(w: ProtoWriter, type: string, value: ContractValue): ProtoWriter {
  const specs = FIELDS_BY_NUMBER[type];
  if (!specs) throw new TypeError(`no schema for ${type}`);
  for (const spec of specs) {
    const v = value[spec.json];
    if (v === undefined) continue;
    switch (spec.kind) {
      case "address":
        w.bytes(spec.no, Buffer.from(v as string, "hex"));
        break;
      case "bytes":
      case "name":
        w.bytes(spec.no, v as Buffer);
        break;
      case "int64":
        w.varint(spec.no, v as bigint);
        break;
      case "bool":
        w.varint(spec.no, v as boolean);
        break;
      case "resource":
        w.varint(spec.no, RESOURCE_CODES.indexOf(v as ResourceCode));
        break;
      case "accountType":
        w.varint(spec.no, ACCOUNT_TYPES.indexOf(v as (typeof ACCOUNT_TYPES)[number]));
        break;
      case "votes":
        for (const vote of v as VoteEntry[]) {
          const inner = new ProtoWriter()
            .bytes(1, Buffer.from(vote.vote_address, "hex"))
            .varint(2, vote.vote_count)
            .finish();
          w.message(spec.no, inner, true);
        }
        break;
    }
  }
  return w;
}

/** java-tron JSON of a contract value; proto3 defaults are left out (TRON-API.md §1). */
export function renderContractValue(
  type: string,
  value: ContractValue,
  visible: boolean,
): Record<string, Json> {
  const specs = CONTRACT_FIELDS[type] ?? [];
  const out: Record<string, Json> = {};
  for (const spec of specs) {
    const v = value[spec.json];
    if (v === undefined) continue;
    switch (spec.kind) {
      case "address":
        if ((v as string).length > 0) out[spec.json] = renderAddress(v as string, visible);
        break;
      case "bytes":
        if ((v as Buffer).length > 0) out[spec.json] = (v as Buffer).toString("hex");
        break;
      case "name":
        if ((v as Buffer).length > 0) out[spec.json] = (v as Buffer).toString(visible ? "utf8" : "hex");
        break;
      case "int64":
        if (v !== 0n) out[spec.json] = v as bigint;
        break;
      case "bool":
        if (v === true) out[spec.json] = true;
        break;
      case "resource":
      case "accountType":
        if (v !== RESOURCE_CODES[0] && v !== ACCOUNT_TYPES[0]) out[spec.json] = v as string;
        break;
      case "votes":
        out[spec.json] = (v as VoteEntry[]).map((x) => ({
          vote_address: renderAddress(x.vote_address, visible),
          vote_count: x.vote_count,
        }));
        break;
    }
  }
  return out;
}

/** Reads a contract value from java-tron JSON (either address form; names hex unless visible). */
export function parseContractValue(
  type: string,
  json: Record<string, unknown>,
  visible: boolean,
): ContractValue {
  const specs = CONTRACT_FIELDS[type];
  if (!specs) throw new TypeError(`no schema for ${type}`);
  const out: ContractValue = {};
  for (const spec of specs) {
    const v = json[spec.json];
    if (v === undefined || v === null) continue;
    switch (spec.kind) {
      case "address":
        out[spec.json] = v === "" ? "" : parseAddress(v);
        break;
      case "bytes":
        out[spec.json] = Buffer.from(String(v).replace(/^0x/, ""), "hex");
        break;
      case "name":
        out[spec.json] = visible ? Buffer.from(String(v), "utf8") : Buffer.from(String(v), "hex");
        break;
      case "int64":
        out[spec.json] = toBigInt(v, spec.json);
        break;
      case "bool":
        out[spec.json] = v === true || v === "true";
        break;
      case "resource":
        out[spec.json] = typeof v === "number" ? enumName(RESOURCE_CODES, BigInt(v)) : String(v);
        if (!RESOURCE_CODES.includes(out[spec.json] as ResourceCode))
          throw new TypeError(`bad resource ${v}`);
        break;
      case "accountType":
        out[spec.json] = typeof v === "number" ? enumName(ACCOUNT_TYPES, BigInt(v)) : String(v);
        break;
      case "votes":
        out[spec.json] = (v as Record<string, unknown>[]).map((x) => ({
          vote_address: parseAddress(x.vote_address),
          vote_count: toBigInt(x.vote_count, "vote_count"),
        }));
        break;
    }
  }
  return out;
}
