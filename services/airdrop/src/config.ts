import { commonEnv, loadConfigOrExit, port } from "@btt/shared/config";
import { z } from "zod";

export const SERVICE_NAME = "airdrop";

/** Every environment variable the airdrop service reads (README "Configuration"). */
export const AirdropEnv = z.object({
  ...commonEnv,
  AIRDROP_PORT: port(8082, "HTTP port of the airdrop service"),
});
export type AirdropEnv = z.output<typeof AirdropEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AirdropEnv {
  return loadConfigOrExit(SERVICE_NAME, AirdropEnv, env);
}
