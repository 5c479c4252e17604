import { AppError, errorMessage } from "@btt/shared/errors";
import {
  type AccountJson,
  accountHolding,
  int64,
  type JsonObject,
  type TronNodeClient,
} from "@btt/shared/tron";
import { mapLimit } from "../chain/follower.js";
import { type Component, ZERO_BALANCES } from "../domain/effects.js";
import type { HoldingRow } from "./materialise.js";

/**
 * The fail-closed check of a snapshot against the node (TRON-API.md §2.2, §2.3):
 *   1. liquid TRX at H: `wallet/getaccountbalance` at (H, blockId) for every sampled address.
 *      A node without `storage.balance.history.lookup` answers 0 with the requested block echoed
 *      back instead of an error; when every sampled account we hold liquid TRX for gets exactly
 *      that answer, the node is named as having no history instead of blaming the addresses.
 *   2. every component: `walletsolidity/getaccount` for the sampled addresses that did not change
 *      between H and the node's solidified head, whose state now is therefore their state at H.
 * Any difference fails the snapshot, naming the addresses, components and both values.
 */

export interface Mismatch {
  address: string;
  component: Component | "account";
  indexed: string;
  node: string;
  source: "wallet/getaccountbalance" | "walletsolidity/getaccount";
}

export interface CrossCheckReport {
  ok: boolean;
  checkedBalances: number;
  checkedAccounts: number;
  mismatches: Mismatch[];
  /** Set when the node cannot answer historical balances at all. */
  nodeProblem: string | null;
}

export interface CrossCheckInput {
  node: TronNodeClient;
  height: number;
  blockId: string;
  /** The sampled rows as the snapshot holds them (absent = zero holding at H). */
  expected: Map<string, HoldingRow | null>;
  /**
   * Called after the node's accounts were read: which of these addresses changed after H, up to
   * (at least) the node's solidified head at that moment. Only the others are compared.
   */
  changedSinceHeight: (addresses: string[]) => Promise<Set<string>>;
  concurrency?: number;
}

function zeroRow(address: string): HoldingRow {
  return { address, ...ZERO_BALANCES, total: 0n };
}

export async function crossCheck(input: CrossCheckInput): Promise<CrossCheckReport> {
  const { node, height, blockId } = input;
  const concurrency = input.concurrency ?? 32;
  const addresses = [...input.expected.keys()];
  const mismatches: Mismatch[] = [];
  let echoedZero = 0;
  let heldLiquid = 0;

  // both reads at once: the balances at H and the accounts now (compared after, if unchanged)
  const accounts = new Map<string, ReturnType<typeof accountHolding> | Error>();
  const readAccounts = mapLimit(addresses, concurrency, async (address) => {
    try {
      accounts.set(
        address,
        accountHolding((await node.account(address, { solidified: true })) as AccountJson),
      );
    } catch (error) {
      // an unreachable node retries the whole check later; an unreadable answer is a finding
      if (error instanceof AppError) throw error;
      accounts.set(address, error instanceof Error ? error : new Error(String(error)));
    }
  });
  readAccounts.catch(() => {}); // awaited below; this only prevents an unhandled rejection meanwhile
  await mapLimit(addresses, concurrency, async (address) => {
    const row = input.expected.get(address) ?? zeroRow(address);
    const reply = (await node.accountBalance(address, { hash: blockId, number: height })) as JsonObject;
    if (typeof reply.Error === "string") {
      mismatches.push({
        address,
        component: "liquid",
        indexed: row.liquid.toString(),
        node: `error: ${reply.Error}`,
        source: "wallet/getaccountbalance",
      });
      return;
    }
    const balance = int64(reply.balance as number | bigint | undefined, "balance");
    const echoed = reply.block_identifier as JsonObject | undefined;
    if (row.liquid > 0n) {
      heldLiquid += 1;
      if (balance === 0n && echoed?.hash === blockId && Number(echoed?.number) === height) echoedZero += 1;
    }
    if (balance !== row.liquid) {
      mismatches.push({
        address,
        component: "liquid",
        indexed: row.liquid.toString(),
        node: balance.toString(),
        source: "wallet/getaccountbalance",
      });
    }
  });

  if (heldLiquid > 0 && echoedZero === heldLiquid) {
    return {
      ok: false,
      checkedBalances: addresses.length,
      checkedAccounts: 0,
      mismatches,
      nodeProblem:
        `the node answered balance 0 with the requested block echoed back for all ${heldLiquid} sampled ` +
        "accounts that hold liquid TRX: it keeps no balance history (java-tron needs " +
        "storage.balance.history.lookup = true), so it cannot confirm a snapshot",
    };
  }

  await readAccounts;
  const changed = await input.changedSinceHeight(addresses);
  const unchanged = addresses.filter((a) => !changed.has(a));
  for (const address of unchanged) {
    const row = input.expected.get(address) ?? zeroRow(address);
    const holding = accounts.get(address);
    if (!holding || holding instanceof Error) {
      mismatches.push({
        address,
        component: "account",
        indexed: row.total.toString(),
        node: `unreadable: ${errorMessage(holding ?? "no answer")}`,
        source: "walletsolidity/getaccount",
      });
      continue;
    }
    for (const component of ["liquid", "frozenV1", "frozenV2", "unfreezing"] as const) {
      if (holding[component] !== row[component]) {
        mismatches.push({
          address,
          component,
          indexed: row[component].toString(),
          node: holding[component].toString(),
          source: "walletsolidity/getaccount",
        });
      }
    }
  }

  mismatches.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return {
    ok: mismatches.length === 0,
    checkedBalances: addresses.length,
    checkedAccounts: unchanged.length,
    mismatches,
    nodeProblem: null,
  };
}
