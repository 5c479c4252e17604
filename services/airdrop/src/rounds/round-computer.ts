import { copyRows, type Pool, type PoolClient, withTransaction } from "@btt/shared/db";
import { AppError, isAppError } from "@btt/shared/errors";
import type { Logger } from "@btt/shared/logger";
import type { IndexerClient } from "../clients/indexer.js";
import {
  computeEntitlements,
  type EntitlementTable,
  type Exclusion,
  type HoldingRow,
} from "../domain/entitlements.js";
import { buildPackedLevelsInSlices, uuidToBytes } from "../domain/merkle.js";
import { estimateRoundFees, type FeeEstimate } from "./fee-estimate.js";
import { writeMerkleLevels } from "./merkle-store.js";
import { loadRound, type RoundRow, transition } from "./round-store.js";

/**
 * Advances a `computing` round: resolve its snapshot (by height, or by time once the indexer has
 * resolved it to a block), wait for the indexer to complete it, read its rows (hash-verified),
 * compute the entitlement table (pure, exact), build the Merkle tree, and persist all of it in one
 * transaction guarded by the round's computation counter (a concurrent exclusion or a second
 * replica cannot interleave). Returns true when the round moved on.
 */

export class RoundComputer {
  constructor(
    private readonly deps: { pool: Pool; indexer: IndexerClient; tokenId: string; logger: Logger },
  ) {}

  /** One step for a computing round; false while it waits for its snapshot. */
  async advance(roundId: string): Promise<boolean> {
    const round = await loadRound(this.deps.pool, roundId);
    if (round.status !== "computing") return false;
    try {
      const height = await this.resolveSnapshot(round);
      if (height === null) return false;
      const manifest = await this.deps.indexer.requestSnapshot({ height });
      if (manifest.height === null) return false;
      if (manifest.status === "failed") {
        await this.fail(round, `snapshot ${height} failed: ${JSON.stringify(manifest.failure)}`);
        return true;
      }
      if (manifest.status !== "completed" || !manifest.contentHash) {
        await this.note(round, `waiting for snapshot ${height} (${manifest.status})`);
        return false;
      }
      await this.compute(round, height, manifest.contentHash, manifest.blockId);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === "UNAVAILABLE") {
        await this.note(round, error.message);
        return false;
      }
      throw error;
    }
  }

  private async resolveSnapshot(round: RoundRow): Promise<number | null> {
    if (round.snapshot_height !== null) return Number(round.snapshot_height);
    if (!round.snapshot_at) throw new Error(`round ${round.id} has neither a snapshot height nor a time`);
    const answer = await this.deps.indexer.requestSnapshot({ at: round.snapshot_at });
    if (answer.height === null) {
      await this.note(round, `waiting for the chain to pass ${round.snapshot_at.toISOString()}`);
      return null;
    }
    await this.deps.pool.query("UPDATE airdrop.rounds SET snapshot_height = $2 WHERE id = $1", [
      round.id,
      answer.height,
    ]);
    return answer.height;
  }

  private async compute(
    round: RoundRow,
    height: number,
    contentHash: string,
    blockId: string | null,
  ): Promise<void> {
    const started = performance.now();
    const holdings = await this.deps.indexer.holdings(height, contentHash);
    const { rows: exclusions } = await this.deps.pool.query<{ address: string; reason: string }>(
      "SELECT address, reason FROM airdrop.round_exclusions WHERE round_id = $1",
      [round.id],
    );
    const built = buildRoundTable({
      holdings,
      pool: round.pool,
      exclusions,
      minHoldingSun: round.min_holding_sun,
      alreadyPaid: await this.paidEarlier(round),
      tokenId: this.deps.tokenId,
    });
    let merkleRoot: string | null = null;
    await withTransaction(this.deps.pool, async (client) => {
      const current = await loadRound(client, round.id, true);
      if (current.status !== "computing" || current.computation !== round.computation) {
        throw new AppError("CONFLICT", `round ${round.id} changed while it was computed; computing again`, {
          retryable: true,
        });
      }
      const { root } = await writeRoundTable(client, round.id, built, { height, blockId, contentHash });
      merkleRoot = root;
      const failed = built.table.rows.length === 0;
      await transition(
        client,
        { ...round, merkle_root: root },
        failed ? "failed" : "computed",
        failed ? `no eligible holder at snapshot ${height}` : null,
        "system",
        { height, contentHash, recipients: built.table.rows.length, merkleRoot: root },
      );
    });
    this.deps.logger.info(
      {
        roundId: round.id,
        height,
        holders: holdings.length,
        recipients: built.table.rows.length,
        merkleRoot,
        ms: Math.round(performance.now() - started),
      },
      "round computed",
    );
  }

  /** Addresses an earlier round of the same schedule entry already paid (confirmed on chain). */
  private async paidEarlier(round: RoundRow): Promise<Map<string, string>> {
    if (!round.schedule_entry_id) return new Map();
    const { rows } = await this.deps.pool.query<{ recipient: string; batch_id: string }>(
      `SELECT p.recipient, p.batch_id FROM airdrop.payments p
         JOIN airdrop.rounds r ON r.id::text = p.batch_id
        WHERE r.schedule_entry_id = $1 AND r.id <> $2 AND p.status = 'confirmed'`,
      [round.schedule_entry_id, round.id],
    );
    return new Map(rows.map((r) => [r.recipient, r.batch_id]));
  }

  private async note(round: RoundRow, reason: string): Promise<void> {
    if (round.status_reason === reason) return;
    await this.deps.pool.query(
      "UPDATE airdrop.rounds SET status_reason = $2, updated_at = now() WHERE id = $1 AND status = 'computing'",
      [round.id, reason],
    );
  }

  private async fail(round: RoundRow, reason: string): Promise<void> {
    await withTransaction(this.deps.pool, async (client) => {
      const current = await loadRound(client, round.id, true);
      if (current.status === "computing") await transition(client, current, "failed", reason, "system");
    });
  }
}

export interface BuiltRoundTable {
  table: EntitlementTable;
  /** address → the earlier round of the same entry that paid it */
  alreadyPaid: Map<string, string>;
  unpaid: number;
  fees: FeeEstimate;
}

/** The pure part of a computation: the entitlement table and its fee estimate. */
export function buildRoundTable(input: {
  holdings: HoldingRow[];
  pool: bigint;
  exclusions: Exclusion[];
  minHoldingSun: bigint;
  alreadyPaid: Map<string, string>;
  tokenId: string;
}): BuiltRoundTable {
  const table = computeEntitlements({
    holdings: input.holdings,
    pool: input.pool,
    exclusions: input.exclusions,
    minHoldingSun: input.minHoldingSun,
  });
  const unpaidAmounts: bigint[] = [];
  for (const r of table.rows) if (!input.alreadyPaid.has(r.address)) unpaidAmounts.push(r.amount);
  return {
    table,
    alreadyPaid: input.alreadyPaid,
    unpaid: unpaidAmounts.length,
    fees: estimateRoundFees(input.tokenId, unpaidAmounts),
  };
}

/**
 * Replaces a round's stored table (entitlements, non-recipients, Merkle levels, totals) in
 * `client`'s transaction and returns the Merkle root. The tree is built while PostgreSQL ingests
 * the rows (the COPY streams from this thread between slices of hashing).
 */
export async function writeRoundTable(
  client: PoolClient,
  roundId: string,
  built: BuiltRoundTable,
  snapshot: { height: number; blockId: string | null; contentHash: string },
): Promise<{ root: string | null }> {
  const { table, alreadyPaid } = built;
  await client.query("DELETE FROM airdrop.entitlements WHERE round_id = $1", [roundId]);
  await client.query("DELETE FROM airdrop.non_recipients WHERE round_id = $1", [roundId]);
  const tree =
    table.rows.length > 0
      ? buildPackedLevelsInSlices(uuidToBytes(roundId), table.rows)
      : Promise.resolve(null);
  const [levels] = await Promise.all([
    tree,
    copyRows(
      client,
      "airdrop.entitlements",
      ["round_id", "leaf_index", "address", "liquid", "frozen", "unfreezing", "amount", "paid_round_id"],
      table.rows.map((r, i) => [
        roundId,
        i,
        r.address,
        r.liquid,
        r.frozen,
        r.unfreezing,
        r.amount,
        alreadyPaid.get(r.address) ?? null,
      ]),
    ),
  ]);
  const root = levels ? (levels[levels.length - 1] as Buffer).toString("hex") : null;
  await copyRows(
    client,
    "airdrop.non_recipients",
    ["round_id", "address", "reason", "total"],
    table.nonRecipients.map((n) => [roundId, n.address, n.reason, n.total]),
  );
  if (levels) await writeMerkleLevels(client, roundId, levels);
  else await client.query("DELETE FROM airdrop.merkle_chunks WHERE round_id = $1", [roundId]);
  for (const e of table.exclusions) {
    await client.query(
      "UPDATE airdrop.round_exclusions SET holding = $3 WHERE round_id = $1 AND address = $2",
      [roundId, e.address, e.holding],
    );
  }
  await client.query(
    `UPDATE airdrop.rounds
        SET snapshot_height = $2, snapshot_block_id = $3, snapshot_content_hash = $4,
            eligible_total = $5, distributed = $6, undistributed = $7, recipients = $8,
            already_paid = $9, zero_amount_holders = $10, ratio_numerator = $11,
            ratio_denominator = $12, ratio_decimal = $13, merkle_root = $14,
            fee_bandwidth_bytes = $15, fee_trx_burn_sun = $16, computation = computation + 1
      WHERE id = $1`,
    [
      roundId,
      snapshot.height,
      snapshot.blockId,
      snapshot.contentHash,
      table.eligibleTotal,
      table.distributed,
      table.undistributed,
      table.rows.length,
      table.rows.length - built.unpaid,
      table.zeroAmountHolders,
      table.ratio.numerator.toString(),
      table.ratio.denominator.toString(),
      table.ratio.decimal,
      root,
      built.fees.bandwidthBytes,
      built.fees.trxBurnSun,
    ],
  );
  return { root };
}
