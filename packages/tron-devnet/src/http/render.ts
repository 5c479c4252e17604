import type { BlockRecord } from "../chain/blocks.js";
import { headerOf } from "../chain/blocks.js";
import type { Chain, TxRecord } from "../chain/chain.js";
import { PARAMS } from "../chain/params.js";
import type { AccountState } from "../chain/state.js";
import type { GenesisAsset } from "../genesis/types.js";
import { renderHeader, signHeader } from "../protocol/block.js";
import { type Json, renderAddress } from "../protocol/json.js";
import { renderTransaction } from "../protocol/transaction.js";

/** java-tron's JSON for blocks, accounts, transaction infos and assets (defaults left out). */

export function renderBlock(
  chain: Chain,
  b: BlockRecord,
  visible: boolean,
  detail = true,
): Record<string, Json> {
  const header = headerOf(b, chain.witnessAddress);
  const out: Record<string, Json> = {
    blockID: b.id.toString("hex"),
    block_header: renderHeader(header, signHeader(header, chain.witnessKey), visible),
  };
  if (detail && b.txIds) {
    out.transactions = b.txIds.map((id) => {
      const rec = chain.txs.get(id) as TxRecord;
      return renderTransaction(rec.tx, visible, "SUCCESS");
    });
  }
  return out;
}

export function renderTransactionInfo(chain: Chain, rec: TxRecord): Record<string, Json> {
  const block = chain.blockAt(rec.blockNumber) as BlockRecord;
  const receipt: Record<string, Json> = {};
  if (rec.netUsage) receipt.net_usage = rec.netUsage;
  if (rec.netFee) receipt.net_fee = rec.netFee;
  const out: Record<string, Json> = { id: rec.tx.txId.toString("hex") };
  if (rec.fee) out.fee = rec.fee;
  // int64 fields are bigint so that int64_as_string renders them as strings like java-tron
  out.blockNumber = BigInt(rec.blockNumber);
  out.blockTimeStamp = BigInt(block.timestamp);
  out.contractResult = [""];
  out.receipt = receipt;
  return { ...out, ...rec.info };
}

/** Sets an int64 field unless it is the proto3 default (0), which java-tron leaves out. */
function nonZero(out: Record<string, Json>, key: string, v: bigint | number): void {
  if (v !== 0n && v !== 0) out[key] = BigInt(v);
}

export function renderAccount(a: AccountState, visible: boolean): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (a.name) out.account_name = visible ? a.name : Buffer.from(a.name, "utf8").toString("hex");
  out.address = renderAddress(a.address, visible);
  nonZero(out, "balance", a.balance);
  if (a.frozenV1Bandwidth) {
    out.frozen = [
      { frozen_balance: a.frozenV1Bandwidth.amount, expire_time: a.frozenV1Bandwidth.expireTime },
    ];
  }
  nonZero(out, "create_time", a.createTime);
  nonZero(out, "latest_opration_time", a.latestOperationTime);
  nonZero(out, "free_net_usage", a.freeNetUsage);
  nonZero(out, "latest_consume_free_time", a.latestConsumeFreeTime);
  nonZero(out, "net_usage", a.netUsage);
  nonZero(out, "latest_consume_time", a.latestConsumeTime);
  nonZero(out, "delegated_frozen_balance_for_bandwidth", a.delegatedV1Bandwidth);
  nonZero(out, "acquired_delegated_frozen_balance_for_bandwidth", a.acquiredV1Bandwidth);
  const resource: Record<string, Json> = {};
  if (a.frozenV1Energy) {
    resource.frozen_balance_for_energy = {
      frozen_balance: a.frozenV1Energy.amount,
      expire_time: BigInt(a.frozenV1Energy.expireTime),
    };
  }
  nonZero(resource, "delegated_frozen_balance_for_energy", a.delegatedV1Energy);
  nonZero(resource, "acquired_delegated_frozen_balance_for_energy", a.acquiredV1Energy);
  nonZero(resource, "delegated_frozenV2_balance_for_energy", a.delegatedV2Energy);
  nonZero(resource, "acquired_delegated_frozenV2_balance_for_energy", a.acquiredV2Energy);
  resource.energy_window_size = BigInt(PARAMS.windowSlots);
  out.account_resource = resource;
  const key = { address: renderAddress(a.address, visible), weight: 1 };
  out.owner_permission = { permission_name: "owner", threshold: 1, keys: [key] };
  out.active_permission = [
    {
      type: "Active",
      id: 2,
      permission_name: "active",
      threshold: 1,
      operations: "7fff1fc0033efb0f000000000000000000000000000000000000000000000000",
      keys: [key],
    },
  ];
  const v2 = (type: string | undefined, amount: bigint): Record<string, Json> => {
    const e: Record<string, Json> = {};
    if (type) e.type = type;
    if (amount) e.amount = amount;
    return e;
  };
  out.frozenV2 = [
    v2(undefined, a.frozenV2Bandwidth),
    v2("ENERGY", a.frozenV2Energy),
    v2("TRON_POWER", a.frozenV2TronPower),
  ];
  if (a.unfrozenV2.length) {
    out.unfrozenV2 = a.unfrozenV2.map((u) => {
      const e: Record<string, Json> = {};
      if (u.type !== "BANDWIDTH") e.type = u.type;
      e.unfreeze_amount = u.amount;
      e.unfreeze_expire_time = BigInt(u.expireTime);
      return e;
    });
  }
  nonZero(out, "delegated_frozenV2_balance_for_bandwidth", a.delegatedV2Bandwidth);
  nonZero(out, "acquired_delegated_frozenV2_balance_for_bandwidth", a.acquiredV2Bandwidth);
  if (a.assets && Object.keys(a.assets).length) {
    out.assetV2 = Object.entries(a.assets).map(([k, value]) => ({ key: k, value }));
  }
  return out;
}

export function renderAsset(asset: GenesisAsset, visible: boolean): Record<string, Json> {
  const text = (s: string) => (visible ? s : Buffer.from(s, "utf8").toString("hex"));
  return {
    owner_address: renderAddress(asset.owner.toLowerCase(), visible),
    name: text(asset.name),
    abbr: text(asset.abbr),
    total_supply: asset.totalSupply,
    trx_num: 1,
    precision: asset.precision,
    num: 1,
    start_time: BigInt(asset.startTime),
    end_time: BigInt(asset.endTime),
    description: text(asset.description),
    url: text(asset.url),
    id: asset.id,
  };
}
