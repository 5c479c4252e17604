import { pipeline } from "node:stream/promises";
import type { Pool } from "@btt/shared/db";
import { AppError } from "@btt/shared/errors";
import type { Response } from "express";
import { to as copyTo } from "pg-copy-streams";
import { readProof, readProofs } from "./merkle-store.js";
import { loadRound, type RoundRow } from "./round-store.js";

/**
 * Entitlement answers (API.md "Entitlement"): the holding, the amount, the leaf index, the proof
 * against the round's root, and the payout (its txid once confirmed). An address without a leaf
 * gets the reason: excluded, below minimum, zero amount, or no holding.
 */

export const ENTITLEMENT_CSV_HEADER = "address,liquid,frozen,unfreezing,total,amount,leafIndex,txId";

interface EntitlementDbRow {
  round_id: string;
  leaf_index: number;
  address: string;
  liquid: bigint;
  frozen: bigint;
  unfreezing: bigint;
  amount: bigint;
  payment_status: string | null;
  tx_id: string | null;
  block_number: bigint | null;
}

const PAYOUT_STATUS: Record<string, string> = {
  pending: "pending",
  in_flight: "broadcast",
  confirmed: "confirmed",
  failed: "failed",
  cancelled: "none",
};

const SELECT_ENTITLEMENTS = `
  SELECT e.round_id, e.leaf_index, e.address, e.liquid, e.frozen, e.unfreezing, e.amount,
         p.status AS payment_status, p.tx_id, p.block_number
    FROM airdrop.entitlements e
    LEFT JOIN airdrop.payments p
      ON p.batch_id = COALESCE(e.paid_round_id, e.round_id)::text AND p.recipient = e.address`;

function computedRound(round: RoundRow): RoundRow {
  if (round.merkle_root === null || round.status === "computing") {
    throw new AppError("CONFLICT", `round ${round.id} is ${round.status}; its table is not computed yet`);
  }
  return round;
}

function summary(r: EntitlementDbRow, merkleRoot: string | null) {
  return {
    roundId: r.round_id,
    address: r.address,
    holding: {
      liquid: r.liquid.toString(),
      frozen: r.frozen.toString(),
      unfreezing: r.unfreezing.toString(),
      total: (r.liquid + r.frozen + r.unfreezing).toString(),
    },
    amount: r.amount.toString(),
    leafIndex: r.leaf_index,
    merkleRoot,
    payout: {
      status: r.payment_status === null ? "none" : (PAYOUT_STATUS[r.payment_status] ?? r.payment_status),
      txId: r.payment_status === "confirmed" ? r.tx_id : null,
      blockNumber: r.block_number === null ? null : Number(r.block_number),
    },
  };
}

export class EntitlementQueries {
  constructor(private readonly pool: Pool) {}

  private async withProof(round: RoundRow, row: EntitlementDbRow) {
    const { proof } = await readProof(this.pool, round.id, row.leaf_index, round.recipients ?? 0);
    const base = summary(row, round.merkle_root);
    return { ...base, proof: proof.map((p) => p.toString("hex")) };
  }

  /** Why `address` has no leaf in `round`. */
  private async reasonFor(round: RoundRow, address: string): Promise<string> {
    const excluded = await this.pool.query<{ reason: string }>(
      "SELECT reason FROM airdrop.round_exclusions WHERE round_id = $1 AND address = $2",
      [round.id, address],
    );
    if (excluded.rows[0]) return `excluded: ${excluded.rows[0].reason}`;
    const other = await this.pool.query<{ reason: string }>(
      "SELECT reason FROM airdrop.non_recipients WHERE round_id = $1 AND address = $2",
      [round.id, address],
    );
    if (other.rows[0]) return other.rows[0].reason;
    return `no holding at snapshot ${round.snapshot_height}`;
  }

  async one(roundId: string, address: string) {
    const round = computedRound(await loadRound(this.pool, roundId));
    const { rows } = await this.pool.query<EntitlementDbRow>(
      `${SELECT_ENTITLEMENTS} WHERE e.round_id = $1 AND e.address = $2`,
      [roundId, address],
    );
    const row = rows[0];
    if (!row) {
      const reason = await this.reasonFor(round, address);
      throw new AppError("NOT_FOUND", `${address} has no entitlement in round ${roundId}: ${reason}`, {
        details: [{ path: "address", message: reason }],
      });
    }
    return this.withProof(round, row);
  }

  async lookup(roundId: string, addresses: string[]) {
    const round = computedRound(await loadRound(this.pool, roundId));
    const { rows } = await this.pool.query<EntitlementDbRow>(
      `${SELECT_ENTITLEMENTS} WHERE e.round_id = $1 AND e.address = ANY($2::text[])`,
      [roundId, addresses],
    );
    const byAddress = new Map(rows.map((r) => [r.address, r]));
    const proofs = await readProofs(
      this.pool,
      round.id,
      rows.map((r) => r.leaf_index),
      round.recipients ?? 0,
    );
    const items = [];
    for (const address of addresses) {
      const row = byAddress.get(address);
      if (!row) {
        items.push({ address, reason: await this.reasonFor(round, address) });
        continue;
      }
      const { proof } = proofs.get(row.leaf_index) as { proof: Buffer[] };
      items.push({ ...summary(row, round.merkle_root), proof: proof.map((p) => p.toString("hex")) });
    }
    return { items };
  }

  async page(roundId: string, limit: number, cursor: string | undefined) {
    const round = computedRound(await loadRound(this.pool, roundId));
    const after = cursor === undefined ? -1 : Number(cursor);
    if (!Number.isSafeInteger(after))
      throw new AppError("VALIDATION_FAILED", "cursor is not one this API gave");
    const { rows } = await this.pool.query<EntitlementDbRow>(
      `${SELECT_ENTITLEMENTS} WHERE e.round_id = $1 AND e.leaf_index > $2 ORDER BY e.leaf_index LIMIT $3`,
      [roundId, after, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => summary(r, round.merkle_root));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? String(last.leafIndex) : null };
  }

  /** The whole table as CSV, streamed by PostgreSQL (no table held in memory). */
  async csv(roundId: string, res: Response): Promise<void> {
    const round = computedRound(await loadRound(this.pool, roundId));
    res.status(200).type("text/csv");
    res.setHeader("X-Merkle-Root", round.merkle_root ?? "");
    res.write(`${ENTITLEMENT_CSV_HEADER}\n`);
    const client = await this.pool.connect();
    try {
      await pipeline(
        client.query(
          copyTo(
            `COPY (SELECT e.address, e.liquid, e.frozen, e.unfreezing, e.liquid + e.frozen + e.unfreezing,
                          e.amount, e.leaf_index, CASE WHEN p.status = 'confirmed' THEN p.tx_id END
                     FROM airdrop.entitlements e
                     LEFT JOIN airdrop.payments p
                       ON p.batch_id = COALESCE(e.paid_round_id, e.round_id)::text AND p.recipient = e.address
                    WHERE e.round_id = '${round.id}' ORDER BY e.leaf_index) TO STDOUT WITH (FORMAT csv)`,
          ),
        ),
        res,
      );
    } finally {
      client.release();
    }
  }

  /** This address's entitlements across every computed round, newest first. */
  async byAddress(address: string) {
    const { rows } = await this.pool.query<EntitlementDbRow & { merkle_root: string; recipients: number }>(
      `${SELECT_ENTITLEMENTS.replace("FROM airdrop.entitlements e", "FROM airdrop.entitlements e JOIN airdrop.rounds r ON r.id = e.round_id").replace("SELECT e.round_id", "SELECT r.merkle_root, r.recipients, e.round_id")}
        WHERE e.address = $1 AND r.status NOT IN ('computing') ORDER BY r.created_at DESC`,
      [address],
    );
    const items = [];
    for (const row of rows) {
      const round = await loadRound(this.pool, row.round_id);
      items.push(await this.withProof(round, row));
    }
    return { address, items };
  }
}
