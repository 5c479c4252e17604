import { commonEnv, httpUrl, loadConfigOrExit, port, positiveInt, tronAddressList } from "@btt/shared/config";
import { parseBaseUnits } from "@btt/shared/money";
import { BTT_TOKEN_ID } from "@btt/shared/tron";
import cron from "node-cron";
import { z } from "zod";

export const SERVICE_NAME = "speed-ledger";

const baseUnits = (hint: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, { error: "must be a positive whole number of base units" })
    .transform((value) => parseBaseUnits(value))
    .describe(hint);

const cronExpression = (defaultValue: string, hint: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((expr) => cron.validate(expr), { error: "must be a cron expression" })
    .describe(hint);

/** Every environment variable the speed-ledger service reads (README "Configuration"). */
export const SpeedledgerEnv = z.object({
  ...commonEnv,
  SPEED_LEDGER_PORT: port(8083, "HTTP port of the speed-ledger service"),
  TRON_FULL_HOST: httpUrl("the TRON full node (java-tron HTTP API, TronGrid or the devnet)"),
  TRON_SOLIDITY_HOST: httpUrl("where /walletsolidity/* is served (java-tron: the solidity port)").optional(),
  TRON_API_KEY: z.string().min(1).optional().describe("TronGrid's TRON-PRO-API-KEY, if any"),
  INDEXER_URL: httpUrl(
    "the indexer's internal API: reconciliation waits until it has published deposits to the height it checks",
  ).optional(),
  SPEED_NETWORK: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: "must be lower-case letters, digits and dashes" })
    .default("devnet")
    .describe("network name in the Speed command domain btt-speed/v1/<network>; must equal the gateway's"),
  SPEED_TOKEN_ID: z
    .string()
    .regex(/^[0-9]+$/, { error: "must be a TRC-10 token id such as 1002000" })
    .default(BTT_TOKEN_ID),
  SPEED_CUSTODY_PRIVATE_KEY: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, { error: "must be a 32-byte hex private key" })
    .optional()
    .describe(
      "the custody account's key (or SPEED_CUSTODY_KEY_FILE): deposits go to its address, withdrawals are paid from it; never logged",
    ),
  SPEED_CUSTODY_KEY_FILE: z.string().min(1).optional().describe("file holding the custody account's hex key"),
  SPEED_PROMOTIONS_FUNDERS: tronAddressList(
    "senders whose deposits fund the promotions pool (operator grants)",
  ),
  SPEED_REWARDS_FUNDERS: tronAddressList("senders whose deposits fund the seeding-rewards pool"),
  SPEED_WITHDRAWAL_DAILY_LIMIT: baseUnits(
    "most one account may withdraw per UTC day (unset: no limit)",
  ).optional(),
  SPEED_REWARDS_CRON: cronExpression("0 * * * *", "when a seeding-reward epoch closes (node-cron)"),
  SPEED_REWARDS_EPOCH_BUDGET: baseUnits(
    "BTT base units an epoch distributes (at most what the rewards pool holds)",
  ).default(1_000_000_000n),
  SPEED_REWARDS_PAIR_CAP: baseUnits(
    "most BTT one payer-payee pair counts for in an epoch (unset: no cap)",
  ).optional(),
  SPEED_REWARDS_PAYEE_CAP: baseUnits("most BTT one payee counts for in an epoch (unset: no cap)").optional(),
  SPEED_CHANNEL_EXPIRY_GRACE_MS: positiveInt(
    60_000,
    "an open channel is expired this long after its expiresAt",
  ),
  SPEED_CONSUMER_CHUNK: positiveInt(500, "speed commands applied per database transaction at most"),
  SPEED_CONSUMER_PARTITIONS: positiveInt(4, "speed.commands partitions processed at once"),
  SPEED_PARSER_THREADS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .default(1)
    .describe(
      "worker threads parsing speed commands and recovering their signers (0: on the consumer's thread)",
    ),
  SPEED_RECONCILE_INTERVAL_MS: positiveInt(5_000, "how often custody is reconciled with the chain (ms)"),
  SPEED_WITHDRAWAL_EXPIRATION_MS: positiveInt(
    60_000,
    "expiration of a withdrawal transfer after its reference block (ms)",
  ),
});
export type SpeedledgerEnv = z.output<typeof SpeedledgerEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SpeedledgerEnv {
  return loadConfigOrExit(SERVICE_NAME, SpeedledgerEnv, env);
}
