import { commonEnv, loadConfigOrExit, port } from "@btt/shared/config";
import { z } from "zod";

export const SERVICE_NAME = "speed-ledger";

/** Every environment variable the speed-ledger service reads (README "Configuration"). */
export const SpeedledgerEnv = z.object({
  ...commonEnv,
  SPEED_LEDGER_PORT: port(8083, "HTTP port of the speed-ledger service"),
});
export type SpeedledgerEnv = z.output<typeof SpeedledgerEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SpeedledgerEnv {
  return loadConfigOrExit(SERVICE_NAME, SpeedledgerEnv, env);
}
