import { commonEnv, httpUrl, loadConfigOrExit, port } from "@btt/shared/config";
import { z } from "zod";

export const SERVICE_NAME = "gateway";

/** Every environment variable the gateway service reads (README "Configuration"). */
export const GatewayEnv = z.object({
  ...commonEnv,
  GATEWAY_PORT: port(8080, "HTTP port of the gateway service"),
  INDEXER_URL: httpUrl("internal URL of the indexer service").default("http://127.0.0.1:8081"),
  AIRDROP_URL: httpUrl("internal URL of the airdrop service").default("http://127.0.0.1:8082"),
  SPEED_LEDGER_URL: httpUrl("internal URL of the speed-ledger service").default("http://127.0.0.1:8083"),
});
export type GatewayEnv = z.output<typeof GatewayEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return loadConfigOrExit(SERVICE_NAME, GatewayEnv, env);
}
