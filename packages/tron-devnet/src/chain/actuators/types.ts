import type { ContractValue } from "../../protocol/contracts.js";
import type { TxContext } from "../context.js";

/** One contract family's rules: validate throws ContractValidateError; execute cannot fail. */
export interface Actuator {
  validate(ctx: TxContext, value: ContractValue): void;
  execute(ctx: TxContext, value: ContractValue): void;
}

export function str(value: ContractValue, key: string): string {
  const v = value[key];
  return typeof v === "string" ? v : "";
}

export function int(value: ContractValue, key: string): bigint {
  const v = value[key];
  return typeof v === "bigint" ? v : 0n;
}

export function bytes(value: ContractValue, key: string): Buffer {
  const v = value[key];
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0);
}

export function isAddress(hex: string): boolean {
  return /^41[0-9a-f]{40}$/.test(hex);
}
