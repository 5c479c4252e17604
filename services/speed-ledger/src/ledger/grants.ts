import { type Pool, uuidFrom, withTransaction } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import { enqueueOutbox } from "@btt/shared/kafka";
import { SYSTEM } from "../domain/accounts.js";
import { OUTBOX } from "./apply-commands.js";
import { WorkingSet } from "./working-set.js";

export interface GrantRequest {
  grantId: string;
  address: string;
  amount: bigint;
  memo: string;
  /** The operator's API key id. */
  actor: string;
}

export interface GrantResult {
  grantId: string;
  address: string;
  amount: string;
  memo: string;
  status: "applied";
  availableAfter: string;
  /** false when this grant id was applied before and this is its first result again. */
  created: boolean;
}

/**
 * An operator grant: promotions pool → the user's available balance, once per grant id (the
 * gateway derives it from the Idempotency-Key). 422 INSUFFICIENT_FUNDS when the pool lacks it.
 */
export async function applyGrant(pool: Pool, request: GrantRequest): Promise<GrantResult> {
  return withTransaction(pool, async (client) => {
    const prior = await client.query<{
      address: string;
      amount: bigint;
      memo: string;
      available_after: bigint;
    }>(`SELECT address, amount, memo, available_after FROM grants WHERE id = $1`, [request.grantId]);
    const first = prior.rows[0];
    if (first) {
      if (first.address !== request.address || first.amount !== request.amount || first.memo !== request.memo)
        throw new AppError("CONFLICT", `grant ${request.grantId} was made with other details`);
      return {
        grantId: request.grantId,
        address: first.address,
        amount: String(first.amount),
        memo: first.memo,
        status: "applied",
        availableAfter: String(first.available_after),
        created: false,
      };
    }
    const set = await WorkingSet.load(client, [request.address, SYSTEM.promotions]);
    const poolBalance = set.account(SYSTEM.promotions).available;
    if (poolBalance < request.amount)
      throw new AppError(
        "INSUFFICIENT_FUNDS",
        `the promotions pool holds ${poolBalance}, less than the ${request.amount} granted`,
      );
    set.post("grant", request.grantId, [
      { account: SYSTEM.promotions, bucket: "available", amount: -request.amount },
      { account: request.address, bucket: "available", amount: request.amount },
    ]);
    const [entryId] = await set.flush();
    const after = set.account(request.address);
    await client.query(
      `INSERT INTO grants (id, address, amount, memo, actor, entry_id, available_after) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        request.grantId,
        request.address,
        String(request.amount),
        request.memo,
        request.actor,
        String(entryId),
        String(after.available),
      ],
    );
    await enqueueOutbox(
      client,
      OUTBOX,
      [
        {
          topic: "speed.events",
          key: request.address,
          event: "balance.changed@1",
          id: uuidFrom(`speed-grant:${request.grantId}`),
          payload: {
            account: request.address,
            available: String(after.available),
            locked: String(after.locked),
            cause: `grant ${request.grantId}`,
          },
        },
      ],
      { skipExisting: true },
    );
    return {
      grantId: request.grantId,
      address: request.address,
      amount: String(request.amount),
      memo: request.memo,
      status: "applied",
      availableAfter: String(after.available),
      created: true,
    };
  });
}
