import { commonEnv, loadConfigOrExit, port } from "@btt/shared/config";
import { z } from "zod";

export const SERVICE_NAME = "indexer";

/** Every environment variable the indexer service reads (README "Configuration"). */
export const IndexerEnv = z.object({
  ...commonEnv,
  INDEXER_PORT: port(8081, "HTTP port of the indexer service"),
});
export type IndexerEnv = z.output<typeof IndexerEnv>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): IndexerEnv {
  return loadConfigOrExit(SERVICE_NAME, IndexerEnv, env);
}
