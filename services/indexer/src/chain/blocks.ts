import type { Json, JsonObject } from "@btt/shared/tron";
import { int64 } from "@btt/shared/tron";
import { MalformedChainDataError } from "../domain/effects.js";

/** A block as java-tron prints it (`visible: false`), reduced to what the follower needs. */
export interface ChainBlock {
  number: number;
  id: string;
  parentId: string;
  timestampMs: number;
  /** The transactions as the node printed them (effects.ts reads them). */
  transactions: JsonObject[];
}

const HASH = /^[0-9a-f]{64}$/;

export function parseBlock(json: Json, expectedNumber?: number): ChainBlock {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new MalformedChainDataError("block is not an object");
  const block = json as JsonObject;
  const id = block.blockID;
  const header = block.block_header as JsonObject | undefined;
  const raw = header?.raw_data as JsonObject | undefined;
  if (typeof id !== "string" || !HASH.test(id) || !raw)
    throw new MalformedChainDataError(
      expectedNumber === undefined
        ? "the node answered a block without blockID/block_header"
        : `the node has no block ${expectedNumber} (it answered ${JSON.stringify(json).slice(0, 80)})`,
    );
  const number = Number(int64(raw.number as number | undefined, "block number"));
  const parentId = String(raw.parentHash ?? "");
  const timestampMs = Number(int64(raw.timestamp as number | undefined, "block timestamp"));
  if (expectedNumber !== undefined && number !== expectedNumber)
    throw new MalformedChainDataError(`asked for block ${expectedNumber}, the node answered block ${number}`);
  // java-tron's genesis block has a zero parent; every other parentHash is a block id
  if (!HASH.test(parentId) && number !== 0)
    throw new MalformedChainDataError(`block ${number} has no parentHash`);
  const transactions = (Array.isArray(block.transactions) ? block.transactions : []) as JsonObject[];
  return { number, id, parentId, timestampMs, transactions };
}

/** TransactionInfo list of one block, by txid. */
export function infosById(json: Json): Map<string, JsonObject> {
  const list = Array.isArray(json) ? json : [];
  const out = new Map<string, JsonObject>();
  for (const item of list) {
    const info = item as JsonObject;
    if (typeof info.id === "string") out.set(info.id, info);
  }
  return out;
}
