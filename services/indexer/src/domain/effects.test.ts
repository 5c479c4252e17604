import { readFileSync } from "node:fs";
import { toBase58Address } from "@btt/shared/tron";
import { describe, expect, it } from "vitest";
import { type Delta, transactionEffects, UnmodelledContractError } from "./effects.js";

// The replay table on real mainnet transactions (../shared/fixtures/tron), each with a receipt
// shaped like java-tron's TransactionInfo.

interface FixtureTx {
  contract_type: string;
  txID: string;
  raw_data: { contract: { parameter: { value: Record<string, unknown> } }[]; data?: string };
  onchain?: { ret?: { contractRet?: string }[] };
}

const fixtures = JSON.parse(
  readFileSync(new URL("../../../../../shared/fixtures/tron/fixtures.json", import.meta.url), "utf8"),
) as { transactions: FixtureTx[] };

function tx(type: string): FixtureTx & { ret?: unknown } {
  const found = fixtures.transactions.find((t) => t.contract_type === type);
  if (!found) throw new Error(`no ${type} fixture`);
  return { ...found, ret: found.onchain?.ret };
}

const options = { tokenId: "1002000", watchedAddress: null };
const sum = (deltas: Delta[], address: string, component: string) =>
  deltas.filter((d) => d.address === address && d.component === component).reduce((s, d) => s + d.amount, 0n);

describe("transactionEffects on real transactions", () => {
  it("TransferContract: the owner pays amount and fee, the recipient gets the amount", () => {
    const t = tx("TransferContract");
    const v = t.raw_data.contract[0]?.parameter.value as Record<string, string | number>;
    const owner = toBase58Address(String(v.owner_address));
    const to = toBase58Address(String(v.to_address));
    const { deltas } = transactionEffects(t, { id: t.txID, fee: 100_000 }, options);
    expect(sum(deltas, owner, "liquid")).toBe(-BigInt(v.amount as number) - 100_000n);
    expect(sum(deltas, to, "liquid")).toBe(BigInt(v.amount as number));
    expect(deltas.reduce((s, d) => s + d.amount, 0n)).toBe(-100_000n); // only the fee leaves
  });

  it("Stake 1.0 freeze and unfreeze move TRX between liquid and frozenV1; the receipt gives the unfreeze", () => {
    const freeze = tx("FreezeBalanceContract");
    const v = freeze.raw_data.contract[0]?.parameter.value as Record<string, number | string>;
    const owner = toBase58Address(String(v.owner_address));
    const f = transactionEffects(freeze, { id: freeze.txID }, options).deltas;
    expect(sum(f, owner, "liquid")).toBe(-BigInt(v.frozen_balance as number));
    expect(sum(f, owner, "frozenV1")).toBe(BigInt(v.frozen_balance as number));
    const unfreeze = tx("UnfreezeBalanceContract");
    const u = unfreeze.raw_data.contract[0]?.parameter.value as Record<string, string>;
    const who = toBase58Address(String(u.owner_address));
    const d = transactionEffects(
      unfreeze,
      { id: unfreeze.txID, unfreeze_amount: 26_000_000 },
      options,
    ).deltas;
    expect(sum(d, who, "frozenV1")).toBe(-26_000_000n);
    expect(sum(d, who, "liquid")).toBe(26_000_000n);
  });

  it("Stake 2.0 freeze moves liquid to frozenV2; a vote changes nothing but the fee", () => {
    const freeze = tx("FreezeBalanceV2Contract");
    const v = freeze.raw_data.contract[0]?.parameter.value as Record<string, number | string>;
    const owner = toBase58Address(String(v.owner_address));
    const d = transactionEffects(freeze, { id: freeze.txID }, options).deltas;
    expect(sum(d, owner, "frozenV2")).toBe(BigInt(v.frozen_balance as number));
    expect(transactionEffects(tx("VoteWitnessContract"), { id: "x" }, options).deltas).toEqual([]);
  });

  it("a BTT transfer to the watched address is a deposit with its memo; others are not", () => {
    const t = tx("TransferAssetContract");
    const v = t.raw_data.contract[0]?.parameter.value as Record<string, string | number>;
    const to = toBase58Address(String(v.to_address));
    const tokenId = Buffer.from(String(v.asset_name), "hex").toString("utf8");
    const withMemo = { ...t, raw_data: { ...t.raw_data, data: Buffer.from("order 7").toString("hex") } };
    const effects = transactionEffects(withMemo, { id: t.txID }, { tokenId, watchedAddress: to });
    expect(effects.tokenTransfer).toMatchObject({
      to,
      tokenId,
      amount: BigInt(v.amount as number),
      memo: "order 7",
    });
    expect(
      transactionEffects(t, { id: t.txID }, { tokenId: "9", watchedAddress: to }).tokenTransfer,
    ).toBeNull();
  });

  it("a smart-contract call moves its call_value and internal TRX transfers; a failed one only pays its fee", () => {
    const base = tx("TransferContract");
    const v = base.raw_data.contract[0]?.parameter.value as Record<string, string>;
    const owner = toBase58Address(String(v.owner_address));
    const contract = toBase58Address(String(v.to_address));
    const payee = toBase58Address(`41${"11".repeat(20)}`);
    const call = {
      txID: base.txID,
      raw_data: {
        contract: [
          {
            type: "TriggerSmartContract",
            parameter: {
              value: { owner_address: v.owner_address, contract_address: v.to_address, call_value: 5_000 },
            },
          },
        ],
      },
    };
    const receipt = {
      id: base.txID,
      fee: 1_000,
      internal_transactions: [
        {
          caller_address: v.to_address,
          transferTo_address: `41${"11".repeat(20)}`,
          callValueInfo: [{ callValue: 2_000 }],
        },
        {
          caller_address: v.to_address,
          transferTo_address: `41${"11".repeat(20)}`,
          callValueInfo: [{ callValue: 9, tokenId: "1002000" }],
        },
        {
          caller_address: v.to_address,
          transferTo_address: `41${"11".repeat(20)}`,
          callValueInfo: [{ callValue: 7 }],
          rejected: true,
        },
      ],
    };
    const d = transactionEffects(call, receipt, options).deltas;
    expect(sum(d, owner, "liquid")).toBe(-6_000n);
    expect(sum(d, contract, "liquid")).toBe(3_000n);
    expect(sum(d, payee, "liquid")).toBe(2_000n);
    const failed = { ...call, ret: [{ contractRet: "REVERT" }] };
    expect(transactionEffects(failed, receipt, options).deltas).toEqual([
      { address: owner, component: "liquid", amount: -1_000n },
    ]);
  });

  it("refuses a contract type it does not model instead of guessing", () => {
    const t = tx("TransferContract");
    const odd = {
      ...t,
      raw_data: {
        ...t.raw_data,
        contract: [{ ...t.raw_data.contract[0], type: "ExchangeTransactionContract" }],
      },
    };
    expect(() => transactionEffects(odd, { id: t.txID }, options)).toThrow(UnmodelledContractError);
  });
});
