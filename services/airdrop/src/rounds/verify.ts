import type { IndexerClient } from "../clients/indexer.js";
import { computeEntitlements } from "../domain/entitlements.js";
import { buildLevels, hashLeaf, rootOf, uuidToBytes } from "../domain/merkle.js";

/**
 * Recomputes a round from its snapshot, from the outside: only the airdrop's public round answer
 * and the indexer's published rows are used, never the stored entitlement table.
 */

export interface VerifyReport {
  roundId: string;
  snapshotHeight: number;
  contentHash: string;
  match: boolean;
  checks: { name: string; published: string; recomputed: string; ok: boolean }[];
}

interface PublishedRound {
  id: string;
  status: string;
  snapshotHeight: number | null;
  snapshotContentHash: string | null;
  pool: string;
  minHoldingSun: string;
  eligibleTotal: string | null;
  recipients: number;
  distributed: string | null;
  merkleRoot: string | null;
  exclusions: { address: string; reason: string }[];
}

export async function verifyRound(options: {
  roundId: string;
  airdropUrl: string;
  indexer: IndexerClient;
}): Promise<VerifyReport> {
  const response = await fetch(`${options.airdropUrl.replace(/\/+$/, "")}/rounds/${options.roundId}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the airdrop answered ${response.status} for round ${options.roundId}`);
  const round = (await response.json()) as PublishedRound;
  if (round.merkleRoot === null || round.snapshotHeight === null || round.snapshotContentHash === null) {
    throw new Error(`round ${round.id} is ${round.status}: it has no published table to verify yet`);
  }
  const holdings = await options.indexer.holdings(round.snapshotHeight, round.snapshotContentHash);
  const table = computeEntitlements({
    holdings,
    pool: BigInt(round.pool),
    exclusions: round.exclusions,
    minHoldingSun: BigInt(round.minHoldingSun),
  });
  const idBytes = uuidToBytes(round.id);
  const root =
    table.rows.length > 0
      ? rootOf(buildLevels(table.rows.map((r) => hashLeaf(idBytes, r)))).toString("hex")
      : "";
  const checks = [
    { name: "merkleRoot", published: round.merkleRoot, recomputed: root },
    {
      name: "eligibleTotal",
      published: String(round.eligibleTotal),
      recomputed: table.eligibleTotal.toString(),
    },
    { name: "distributed", published: String(round.distributed), recomputed: table.distributed.toString() },
    { name: "recipients", published: String(round.recipients), recomputed: String(table.rows.length) },
  ].map((c) => ({ ...c, ok: c.published === c.recomputed }));
  return {
    roundId: round.id,
    snapshotHeight: round.snapshotHeight,
    contentHash: round.snapshotContentHash,
    match: checks.every((c) => c.ok),
    checks,
  };
}
