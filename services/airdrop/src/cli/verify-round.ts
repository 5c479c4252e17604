#!/usr/bin/env node
// `npm run verify-round -- <roundId> [--airdrop <url>] [--indexer <url>] [--json]`
//
// Recomputes a round independently of the airdrop's stored table: reads the round (pool,
// exclusions, minimum, snapshot height and content hash) from the airdrop's API, the snapshot rows
// from the indexer (hash-checked), recomputes the entitlement table and its Merkle root with the
// same pure functions, and reports whether root, totals and recipients match. Exit codes: 0 match,
// 1 mismatch, 2 could not verify (bad input, a service down).
import { parseArgs } from "node:util";
import { IndexerClient } from "../clients/indexer.js";
import { verifyRound } from "../rounds/verify.js";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      airdrop: { type: "string", default: process.env.AIRDROP_URL ?? "http://127.0.0.1:8082" },
      indexer: { type: "string", default: process.env.INDEXER_URL ?? "http://127.0.0.1:8081" },
      json: { type: "boolean", default: false },
    },
  });
  const roundId = positionals[0];
  if (!roundId || !/^[0-9a-f-]{36}$/i.test(roundId)) {
    err("usage: verify-round <roundId> [--airdrop <url>] [--indexer <url>] [--json]");
    return 2;
  }
  const report = await verifyRound({
    roundId,
    airdropUrl: values.airdrop as string,
    indexer: new IndexerClient({ baseUrl: values.indexer as string }),
  });
  if (values.json) out(JSON.stringify(report, null, 2));
  else {
    out(`round ${report.roundId} at snapshot ${report.snapshotHeight} (content hash ${report.contentHash})`);
    for (const check of report.checks) {
      out(
        `  ${check.ok ? "✓" : "✗"} ${check.name.padEnd(14)} published ${check.published}   recomputed ${check.recomputed}`,
      );
    }
    out(report.match ? "MATCH: the published root is the root of the snapshot's table" : "MISMATCH");
  }
  return report.match ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    err(`verify-round: ${error.message}`);
    process.exit(2);
  },
);
