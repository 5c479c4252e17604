import { type Base58Address, int64, toBase58Address } from "@btt/shared/tron";

/**
 * What one solidified transaction does to the TRX holdings of TOKENOMICS.md ("Who holds what"),
 * read from the transaction (java-tron block JSON, `visible: false`) and its TransactionInfo
 * receipt. The amounts a contract's parameters do not carry come from the receipt, as java-tron
 * reports them: `fee` (everything burned: bandwidth, energy, account creation), `unfreeze_amount`
 * (Stake 1.0 unfreeze), `withdraw_expire_amount` (expired Stake 2.0 unstakes moved to balance),
 * `cancel_unfreezeV2_amount` (unstakes put back into frozenV2), `withdraw_amount` (rewards).
 *
 * Delegating moves TRX from the owner's frozen stake to its delegated-out stake; both count as
 * the owner's frozen TRX, so delegations change no holding. A contract type this table does not
 * model is refused (UnmodelledContractError): the follower stops rather than guess.
 */

export interface Balances {
  liquid: bigint;
  /** Stake 1.0: own freezes (bandwidth, energy, TRON power) and TRX frozen for others */
  frozenV1: bigint;
  /** Stake 2.0: frozenV2 of every type and TRX delegated out */
  frozenV2: bigint;
  /** Stake 2.0 unstakes not yet withdrawn */
  unfreezing: bigint;
}

export type Component = keyof Balances;
export const COMPONENTS: readonly Component[] = ["liquid", "frozenV1", "frozenV2", "unfreezing"];

export const ZERO_BALANCES: Readonly<Balances> = Object.freeze({
  liquid: 0n,
  frozenV1: 0n,
  frozenV2: 0n,
  unfreezing: 0n,
});

export function totalOf(b: Balances): bigint {
  return b.liquid + b.frozenV1 + b.frozenV2 + b.unfreezing;
}

/** One signed change to one account's components. */
export interface Delta {
  address: Base58Address;
  component: Component;
  amount: bigint;
}

/** A TRC-10 transfer the indexer reports (chain.deposits) when it pays the watched address. */
export interface TokenTransfer {
  txId: string;
  from: Base58Address;
  to: Base58Address;
  tokenId: string;
  amount: bigint;
  memo: string | null;
}

export interface TransactionEffects {
  txId: string;
  contractType: string;
  deltas: Delta[];
  tokenTransfer: TokenTransfer | null;
}

export class UnmodelledContractError extends Error {
  constructor(
    readonly txId: string,
    readonly contractType: string,
  ) {
    super(
      `transaction ${txId} is a ${contractType}, whose effect on TRX holdings this indexer does not model; ` +
        "the follower stops here instead of guessing (add it to services/indexer/src/domain/effects.ts)",
    );
    this.name = "UnmodelledContractError";
  }
}

export class MalformedChainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedChainDataError";
  }
}

type JsonObject = Record<string, unknown>;

function obj(value: unknown, what: string): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new MalformedChainDataError(`${what} is not an object`);
  return value as JsonObject;
}

function amount(value: unknown, field: string): bigint {
  if (
    value !== undefined &&
    typeof value !== "number" &&
    typeof value !== "bigint" &&
    typeof value !== "string"
  )
    throw new MalformedChainDataError(`${field} is not an integer`);
  const v = int64(value as number | bigint | string | undefined, field);
  if (v < 0n) throw new MalformedChainDataError(`${field} is negative`);
  return v;
}

const base58Cache = new Map<string, Base58Address>();

/** java-tron's hex address (visible=false) → base58; cached, a block names the same accounts often. */
export function addressOf(value: unknown, field: string): Base58Address {
  if (typeof value !== "string") throw new MalformedChainDataError(`${field} is missing`);
  let out = base58Cache.get(value);
  if (!out) {
    try {
      out = toBase58Address(value);
    } catch {
      throw new MalformedChainDataError(`${field} = ${JSON.stringify(value)} is not a TRON address`);
    }
    if (base58Cache.size > 200_000) base58Cache.clear();
    base58Cache.set(value, out);
  }
  return out;
}

function hexText(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0) return null;
  const bytes = Buffer.from(value, "hex");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return `0x${value}`;
  }
}

/** Contracts that move no TRX beyond the receipt's `fee`. */
const FEE_ONLY = new Set([
  "TransferAssetContract",
  "DelegateResourceContract",
  "UnDelegateResourceContract",
  "AccountCreateContract",
  "AccountUpdateContract",
  "SetAccountIdContract",
  "VoteWitnessContract",
  "AccountPermissionUpdateContract",
  "WitnessCreateContract",
  "WitnessUpdateContract",
  "AssetIssueContract",
  "UpdateAssetContract",
  "UpdateSettingContract",
  "UpdateEnergyLimitContract",
  "UpdateBrokerageContract",
  "ClearABIContract",
  "ProposalCreateContract",
  "ProposalApproveContract",
  "ProposalDeleteContract",
]);

export interface EffectsOptions {
  /** TRC-10 id whose transfers to `watchedAddress` are reported (BTT: "1002000"). */
  tokenId: string;
  watchedAddress: Base58Address | null;
  /**
   * The genesis block's TransferContracts mint (java-tron's genesis allocation has no payer);
   * only when the indexer starts from an empty state at block 0.
   */
  genesis?: boolean;
}

/**
 * The effects of one transaction of a solidified block. `info` is its TransactionInfo
 * (`gettransactioninfobyblocknum`), absent for the genesis block's allocation transactions.
 */
export function transactionEffects(tx: unknown, info: unknown, options: EffectsOptions): TransactionEffects {
  const t = obj(tx, "transaction");
  const txId = typeof t.txID === "string" ? t.txID : "";
  if (!/^[0-9a-f]{64}$/.test(txId)) throw new MalformedChainDataError("transaction without a txID");
  const raw = obj(t.raw_data, `transaction ${txId} raw_data`);
  const contracts = raw.contract;
  if (!Array.isArray(contracts) || contracts.length !== 1)
    throw new MalformedChainDataError(`transaction ${txId} must hold exactly one contract`);
  const contract = obj(contracts[0], `transaction ${txId} contract`);
  const contractType = String(contract.type ?? "");
  const parameter = obj(contract.parameter, `transaction ${txId} parameter`);
  const v = obj(parameter.value, `transaction ${txId} parameter.value`);
  const receipt = info === undefined ? {} : obj(info, `transaction info of ${txId}`);
  const deltas: Delta[] = [];
  const add = (address: Base58Address, component: Component, value: bigint) => {
    if (value !== 0n) deltas.push({ address, component, amount: value });
  };
  const out: TransactionEffects = { txId, contractType, deltas, tokenTransfer: null };

  if (options.genesis) {
    if (contractType !== "TransferContract")
      throw new MalformedChainDataError(`genesis transaction ${txId} is a ${contractType}`);
    add(addressOf(v.to_address, "to_address"), "liquid", amount(v.amount, "amount"));
    return out;
  }

  const owner = addressOf(v.owner_address, `transaction ${txId} owner_address`);
  add(owner, "liquid", -amount(receipt.fee, "fee"));

  // A transaction that failed in the VM still pays its fee, and does nothing else.
  const ret = Array.isArray(t.ret) ? (t.ret[0] as JsonObject | undefined) : undefined;
  const result = ret?.contractRet;
  if (result !== undefined && result !== "SUCCESS") return out;

  switch (contractType) {
    case "TransferContract": {
      const value = amount(v.amount, "amount");
      add(owner, "liquid", -value);
      add(addressOf(v.to_address, "to_address"), "liquid", value);
      break;
    }
    case "FreezeBalanceContract": {
      // with or without a receiver: TRX frozen for someone else is still the owner's
      const value = amount(v.frozen_balance, "frozen_balance");
      add(owner, "liquid", -value);
      add(owner, "frozenV1", value);
      break;
    }
    case "UnfreezeBalanceContract": {
      const value = amount(receipt.unfreeze_amount, "unfreeze_amount");
      add(owner, "frozenV1", -value);
      add(owner, "liquid", value);
      break;
    }
    case "FreezeBalanceV2Contract": {
      const value = amount(v.frozen_balance, "frozen_balance");
      add(owner, "liquid", -value);
      add(owner, "frozenV2", value);
      break;
    }
    case "UnfreezeBalanceV2Contract": {
      const value = amount(v.unfreeze_balance, "unfreeze_balance");
      add(owner, "frozenV2", -value);
      add(owner, "unfreezing", value);
      withdrawExpired(receipt, owner, add);
      break;
    }
    case "WithdrawExpireUnfreezeContract":
      withdrawExpired(receipt, owner, add);
      break;
    case "CancelAllUnfreezeV2Contract": {
      withdrawExpired(receipt, owner, add);
      const entries = receipt.cancel_unfreezeV2_amount;
      let cancelled = 0n;
      if (Array.isArray(entries)) {
        for (const [i, e] of entries.entries())
          cancelled += amount(
            obj(e, "cancel_unfreezeV2_amount entry").value,
            `cancel_unfreezeV2_amount[${i}]`,
          );
      }
      add(owner, "unfreezing", -cancelled);
      add(owner, "frozenV2", cancelled);
      break;
    }
    case "WithdrawBalanceContract":
      add(owner, "liquid", amount(receipt.withdraw_amount, "withdraw_amount"));
      break;
    case "TriggerSmartContract": {
      const value = amount(v.call_value, "call_value");
      if (value > 0n) {
        add(owner, "liquid", -value);
        add(addressOf(v.contract_address, "contract_address"), "liquid", value);
      }
      internalTransfers(receipt, add);
      break;
    }
    case "CreateSmartContract": {
      const created = obj(v.new_contract ?? {}, "new_contract");
      const value = amount(created.call_value, "new_contract.call_value");
      if (value > 0n) {
        add(owner, "liquid", -value);
        add(addressOf(receipt.contract_address, "contract_address"), "liquid", value);
      }
      internalTransfers(receipt, add);
      break;
    }
    default:
      if (!FEE_ONLY.has(contractType)) throw new UnmodelledContractError(txId, contractType);
  }

  if (contractType === "TransferAssetContract" && options.watchedAddress) {
    const to = addressOf(v.to_address, "to_address");
    const tokenId = hexText(v.asset_name);
    if (to === options.watchedAddress && tokenId === options.tokenId) {
      out.tokenTransfer = {
        txId,
        from: owner,
        to,
        tokenId,
        amount: amount(v.amount, "amount"),
        memo: hexText(raw.data),
      };
    }
  }
  return out;
}

type Add = (address: Base58Address, component: Component, value: bigint) => void;

function withdrawExpired(receipt: JsonObject, owner: Base58Address, add: Add): void {
  const value = amount(receipt.withdraw_expire_amount, "withdraw_expire_amount");
  add(owner, "unfreezing", -value);
  add(owner, "liquid", value);
}

/** TRX that contracts sent on (java-tron's internal_transactions, TRX only: no tokenId). */
function internalTransfers(receipt: JsonObject, add: Add): void {
  const list = receipt.internal_transactions;
  if (!Array.isArray(list)) return;
  for (const [i, item] of list.entries()) {
    const it = obj(item, `internal_transactions[${i}]`);
    if (it.rejected === true) continue;
    const infos = Array.isArray(it.callValueInfo) ? it.callValueInfo : [];
    for (const cv of infos) {
      const c = obj(cv, "callValueInfo");
      if (c.tokenId !== undefined) continue;
      const value = amount(c.callValue, "callValue");
      if (value === 0n) continue;
      add(addressOf(it.caller_address, "caller_address"), "liquid", -value);
      add(addressOf(it.transferTo_address, "transferTo_address"), "liquid", value);
    }
  }
}
