import type { TxContext } from "./context.js";
import { PARAMS, SUN_PER_TRX } from "./params.js";
import { type AccountState, bandwidthStake } from "./state.js";

/**
 * Bandwidth (java-tron BandwidthProcessor.consume, TRON-API.md §5). A transaction costs its
 * serialized size (ret cleared) + 64 bytes per contract, paid from, in order: staked bandwidth,
 * the free 600 bytes a day, then burning `transactionFee` sun per byte. A transfer that creates its
 * recipient pays with stake or burns `createAccountFee` instead. Usage recovers linearly over 24 h.
 */

export class BandwidthError extends Error {
  constructor() {
    super("Account resource insufficient error.");
    this.name = "BandwidthError";
  }
}

export interface BandwidthReceipt {
  netUsage: bigint;
  netFee: bigint;
}

/** Usage after linear recovery from `lastTimeMs` to `nowMs` (ResourceProcessor.recovery). */
export function recovered(usage: bigint, lastTimeMs: number, nowMs: number): bigint {
  const elapsed = Math.floor(nowMs / PARAMS.slotMs) - Math.floor(lastTimeMs / PARAMS.slotMs);
  if (elapsed <= 0) return usage;
  if (elapsed >= PARAMS.windowSlots) return 0n;
  return (usage * BigInt(PARAMS.windowSlots - elapsed)) / BigInt(PARAMS.windowSlots);
}

export function netLimitOf(a: AccountState, totalNetWeight: bigint): bigint {
  const stakeTrx = bandwidthStake(a) / SUN_PER_TRX;
  if (stakeTrx <= 0n || totalNetWeight <= 0n) return 0n;
  return (stakeTrx * PARAMS.totalNetLimit) / totalNetWeight;
}

export function chargeBandwidth(
  ctx: TxContext,
  owner: string,
  bytes: bigint,
  createsAccount: boolean,
): BandwidthReceipt {
  const account = ctx.get(owner);
  // A missing owner is the actuator's error ("no OwnerAccount"), reported after this step.
  if (!account) return { netUsage: 0n, netFee: 0n };
  const now = ctx.now;
  const netUsed = recovered(account.netUsage, account.latestConsumeTime, now);
  const netLimit = netLimitOf(account, ctx.totals.netWeight);

  if (createsAccount) {
    if (netLimit - netUsed >= bytes) {
      ctx.update(owner, () => ({
        netUsage: netUsed + bytes,
        latestConsumeTime: now,
        latestOperationTime: now,
      }));
      return { netUsage: bytes, netFee: 0n };
    }
    return burn(ctx, account, PARAMS.createAccountFee);
  }
  if (netLimit - netUsed >= bytes) {
    ctx.update(owner, () => ({
      netUsage: netUsed + bytes,
      latestConsumeTime: now,
      latestOperationTime: now,
    }));
    return { netUsage: bytes, netFee: 0n };
  }
  const freeUsed = recovered(account.freeNetUsage, account.latestConsumeFreeTime, now);
  if (PARAMS.freeNetLimit - freeUsed >= bytes) {
    ctx.update(owner, () => ({
      freeNetUsage: freeUsed + bytes,
      latestConsumeFreeTime: now,
      latestOperationTime: now,
    }));
    return { netUsage: bytes, netFee: 0n };
  }
  return burn(ctx, account, bytes * PARAMS.transactionFee);
}

function burn(ctx: TxContext, account: AccountState, fee: bigint): BandwidthReceipt {
  if (account.balance < fee) throw new BandwidthError();
  ctx.update(account.address, (a) => ({ balance: a.balance - fee, latestOperationTime: ctx.now }));
  ctx.fee += fee;
  return { netUsage: 0n, netFee: fee };
}
