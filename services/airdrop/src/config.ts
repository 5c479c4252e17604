import { commonEnv, httpUrl, loadConfigOrExit, port, positiveInt, tronAddressList } from "@btt/shared/config";
import { parseBaseUnits } from "@btt/shared/money";
import { BTT_TOKEN_ID, isBase58Address } from "@btt/shared/tron";
import cron from "node-cron";
import { z } from "zod";

export const SERVICE_NAME = "airdrop";

const baseUnits = (defaultValue: string, hint: string) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, { error: "must be a whole number of base units" })
    .default(defaultValue)
    .transform((value) => parseBaseUnits(value))
    .describe(hint);

/** Which rounds the devnet-only auto-approve policy approves: none, every one, or schedule entries' only. */
export type AutoApproveScope = "off" | "all" | "schedule";

/** Every environment variable the airdrop service reads (README "Configuration"). */
export const AirdropEnv = z.object({
  ...commonEnv,
  AIRDROP_PORT: port(8082, "HTTP port of the airdrop service"),
  INDEXER_URL: httpUrl("the indexer's internal API, e.g. http://127.0.0.1:8081"),
  TRON_FULL_HOST: httpUrl("the TRON full node (java-tron HTTP API, TronGrid or the devnet)"),
  TRON_SOLIDITY_HOST: httpUrl("where /walletsolidity/* is served (java-tron: the solidity port)").optional(),
  TRON_API_KEY: z.string().min(1).optional().describe("TronGrid's TRON-PRO-API-KEY, if any"),
  AIRDROP_TOKEN_ID: z
    .string()
    .regex(/^[0-9]+$/, { error: "must be a TRC-10 token id such as 1002000" })
    .default(BTT_TOKEN_ID),
  AIRDROP_APPROVALS_REQUIRED: positiveInt(2, "distinct operator keys that must approve a round's root"),
  AIRDROP_AUTO_APPROVE: z
    .enum(["true", "false", "1", "0", "schedule"], { error: "must be true, false or schedule" })
    .default("false")
    .transform(
      (value): AutoApproveScope =>
        value === "schedule" ? "schedule" : value === "true" || value === "1" ? "all" : "off",
    )
    .describe(
      "demo policy, devnet only: approve computed rounds automatically — true: every round, schedule: rounds run from a schedule entry (event rounds still need operator approvals)",
    ),
  AIRDROP_NOTICE_DAYS: positiveInt(7, "schedule changes inside this many days of a payout date need force"),
  AIRDROP_ROUND_CAP: baseUnits("10890000000000000", "largest pool one round may pay (base units)"),
  AIRDROP_MIN_HOLDING_SUN: baseUnits("0", "smallest holding (sun) that earns an entitlement"),
  AIRDROP_EXCLUDED_ADDRESSES: tronAddressList("foundation addresses excluded from every round"),
  LEDGER_CUSTODY_ADDRESS: z
    .string()
    .refine(isBase58Address, { error: "must be a base58 TRON address (T…)" })
    .optional()
    .describe("the speed ledger's custody address (excluded from every round)"),
  AIRDROP_CRON: z
    .string()
    .default("* * * * *")
    .refine((expr) => cron.validate(expr), { error: "must be a cron expression" })
    .describe("when the trigger looks for due schedule entries"),
  AIRDROP_POLL_MS: positiveInt(1000, "how often the round worker advances rounds (ms)"),
  AIRDROP_DISTRIBUTOR_PRIVATE_KEY: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, { error: "must be a 32-byte hex private key" })
    .optional()
    .describe("the distributing account's key (or AIRDROP_DISTRIBUTOR_KEY_FILE); never logged"),
  AIRDROP_DISTRIBUTOR_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("file holding the distributor's hex key"),
  AIRDROP_PAYOUT_CONCURRENCY: positiveInt(64, "parallel broadcasts of the payout engine"),
  AIRDROP_PAYOUT_RATE: positiveInt(2000, "transfers signed per second at most"),
  AIRDROP_PAYOUT_POLL_MS: positiveInt(1000, "idle wait of the payout engine between passes (ms)"),
  AIRDROP_PAYOUT_REBROADCAST_MS: positiveInt(
    15_000,
    "a signed transfer not yet confirmed is sent again after (ms)",
  ),
  AIRDROP_PAYOUT_EXPIRATION_MS: positiveInt(60_000, "lifetime of a signed transfer (chain time, ≤ 600000)"),
});
export type AirdropEnv = z.output<typeof AirdropEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AirdropEnv {
  return loadConfigOrExit(SERVICE_NAME, AirdropEnv, env);
}
