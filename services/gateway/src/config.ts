import { commonEnv, httpUrl, loadConfigOrExit, port, positiveInt } from "@btt/shared/config";
import { z } from "zod";
import { API_KEY_CACHE_MS_DEFAULT } from "./data/cached-api-keys.js";
import { API_KEY_MIN_LENGTH } from "./domain/api-key.js";

export const SERVICE_NAME = "gateway";

function apiKeyList(hint: string) {
  return z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((k) => k.length >= API_KEY_MIN_LENGTH && /^[\x21-\x7e]+$/.test(k)), {
      error: `each key must be at least ${API_KEY_MIN_LENGTH} printable characters without spaces`,
    })
    .describe(hint);
}

/** Every environment variable the gateway service reads (README "Configuration"). */
export const GatewayEnv = z.object({
  ...commonEnv,
  GATEWAY_PORT: port(8080, "HTTP port of the gateway service"),
  INDEXER_URL: httpUrl("internal URL of the indexer service").default("http://127.0.0.1:8081"),
  AIRDROP_URL: httpUrl("internal URL of the airdrop service").default("http://127.0.0.1:8082"),
  SPEED_LEDGER_URL: httpUrl("internal URL of the speed-ledger service").default("http://127.0.0.1:8083"),
  SPEED_NETWORK: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: "must be lower-case letters, digits and dashes" })
    .default("devnet")
    .describe("network name in the Speed command domain btt-speed/v1/<network> (e.g. devnet, mainnet)"),
  SPEED_EVENT_STREAMS_PER_ACCOUNT: positiveInt(
    16,
    "open GET /v1/speed/accounts/{address}/events streams allowed per account (503 past it)",
  ),
  SPEED_EVENT_STREAMS_MAX: positiveInt(5_000, "open Speed event streams allowed on one gateway instance"),
  RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(1_200, "requests per minute from one client address"),
  RATE_LIMIT_PER_KEY_PER_MINUTE: positiveInt(6_000, "requests per minute with one API key"),
  GATEWAY_API_KEY_CACHE_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 (off) or more")
    .default(API_KEY_CACHE_MS_DEFAULT)
    .describe(
      "how long an instance trusts a key it looked up (ms; 0 = every request asks PostgreSQL); a key revoked through another instance stops working here within it",
    ),
  BTT_OPERATOR_API_KEY: apiKeyList("operator API keys to create at start (comma-separated)"),
  BTT_EXCHANGE_API_KEY: apiKeyList("exchange API keys to create at start (comma-separated)"),
});
export type GatewayEnv = z.output<typeof GatewayEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return loadConfigOrExit(SERVICE_NAME, GatewayEnv, env);
}
