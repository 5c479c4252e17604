import { booleanFlag, commonEnv, httpUrl, loadConfigOrExit, port, positiveInt } from "@btt/shared/config";
import { BTT_TOKEN_ID, isBase58Address } from "@btt/shared/tron";
import { z } from "zod";

export const SERVICE_NAME = "indexer";

/** Every environment variable the indexer service reads (README "Configuration"). */
export const IndexerEnv = z.object({
  ...commonEnv,
  INDEXER_PORT: port(8081, "HTTP port of the indexer service"),
  TRON_FULL_HOST: httpUrl(
    "the TRON full node (java-tron HTTP API, TronGrid or the devnet), e.g. http://127.0.0.1:9090",
  ),
  TRON_SOLIDITY_HOST: httpUrl("where /walletsolidity/* is served (java-tron: the solidity port)").optional(),
  TRON_API_KEY: z.string().min(1).optional().describe("TronGrid's TRON-PRO-API-KEY, if any"),
  INDEXER_BASE_STATE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "path or http(s) URL of the base-state file to replay from (absent: the genesis block's allocation)",
    ),
  INDEXER_WATCHED_ADDRESS: z
    .string()
    .refine(isBase58Address, { error: "must be a base58 TRON address (T…)" })
    .optional()
    .describe(
      "the speed ledger's custody address: TRC-10 BTT transfers to it are published on chain.deposits",
    ),
  INDEXER_TOKEN_ID: z
    .string()
    .regex(/^[0-9]+$/, { error: "must be a TRC-10 token id such as 1002000" })
    .default(BTT_TOKEN_ID),
  INDEXER_BATCH_BLOCKS: positiveInt(500, "solidified blocks ingested per database transaction"),
  INDEXER_POLL_MS: positiveInt(1000, "how often the follower polls the node once caught up (ms)"),
  INDEXER_CROSSCHECK_SAMPLE: positiveInt(1000, "random holders cross-checked against the node per snapshot"),
  INDEXER_CROSSCHECK_RECENT: positiveInt(1000, "most recently changed accounts cross-checked per snapshot"),
  INDEXER_FOLLOW: booleanFlag(true, "run the chain follower and snapshot worker (false: API only)"),
});
export type IndexerEnv = z.output<typeof IndexerEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): IndexerEnv {
  return loadConfigOrExit(SERVICE_NAME, IndexerEnv, env);
}
