import { type PoolClient, uuidFrom } from "@btt/shared/db";
import type { ChainDepositV1 } from "@btt/shared/events";
import { enqueueOutbox } from "@btt/shared/kafka";
import type { z } from "zod";
import { SYSTEM } from "../domain/accounts.js";
import { OUTBOX } from "./apply-commands.js";
import { WorkingSet } from "./working-set.js";

type ChainDeposit = z.infer<typeof ChainDepositV1>;

export interface DepositRules {
  custodyAddress: string;
  tokenId: string;
  /** Senders whose deposits fund the promotions pool (grants). */
  promotionsFunders: ReadonlySet<string>;
  /** Senders whose deposits fund the rewards pool (seeding rewards). */
  rewardsFunders: ReadonlySet<string>;
}

export type DepositOutcome =
  | { applied: true; creditedTo: string }
  | { applied: false; why: "already-applied" | "not-custody" | "other-token" };

/** Who a deposit credits: the sender, or a pool when the sender is a configured funding address. */
export function depositBeneficiary(from: string, rules: DepositRules): string {
  if (rules.promotionsFunders.has(from)) return SYSTEM.promotions;
  if (rules.rewardsFunders.has(from)) return SYSTEM.rewards;
  return from;
}

/**
 * Credits one solidified BTT transfer to the custody address, once per txid (chain.deposits is
 * at-least-once): custody −amount (the contra account), beneficiary +amount.
 */
export async function applyDeposit(
  client: PoolClient,
  deposit: ChainDeposit,
  rules: DepositRules,
): Promise<DepositOutcome> {
  if (deposit.to !== rules.custodyAddress) return { applied: false, why: "not-custody" };
  if (deposit.tokenId !== rules.tokenId) return { applied: false, why: "other-token" };
  const seen = await client.query(`SELECT 1 FROM deposits WHERE tx_id = $1`, [deposit.txId]);
  if (seen.rowCount) return { applied: false, why: "already-applied" };
  const beneficiary = depositBeneficiary(deposit.from, rules);
  const amount = BigInt(deposit.amount);
  const set = await WorkingSet.load(client, [beneficiary, SYSTEM.custody]);
  set.post("deposit", deposit.txId, [
    { account: SYSTEM.custody, bucket: "available", amount: -amount },
    { account: beneficiary, bucket: "available", amount },
  ]);
  const [entryId] = await set.flush();
  // A concurrent copy of this deposit fails here (primary key) and rolls back its credit.
  await client.query(
    `INSERT INTO deposits (tx_id, from_address, amount, block_number, block_time, memo, credited_to, entry_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      deposit.txId,
      deposit.from,
      deposit.amount,
      deposit.blockNumber,
      deposit.blockTime,
      deposit.memo,
      beneficiary,
      String(entryId),
    ],
  );
  if (!beneficiary.startsWith("system:")) {
    const balance = set.account(beneficiary);
    await enqueueOutbox(
      client,
      OUTBOX,
      [
        {
          topic: "speed.events",
          key: beneficiary,
          event: "balance.changed@1",
          id: uuidFrom(`speed-deposit:${deposit.txId}`),
          payload: {
            account: beneficiary,
            available: String(balance.available),
            locked: String(balance.locked),
            cause: `deposit ${deposit.txId}`,
          },
        },
      ],
      { skipExisting: true },
    );
  }
  return { applied: true, creditedTo: beneficiary };
}
