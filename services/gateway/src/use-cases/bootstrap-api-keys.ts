import { randomUUID } from "node:crypto";
import type { Logger } from "@btt/shared/logger";
import type { ApiKeyRepository } from "../data/api-keys.js";
import { hashApiKey, type Role } from "../domain/api-key.js";

/**
 * Creates the keys named by BTT_OPERATOR_API_KEY / BTT_EXCHANGE_API_KEY at start (API.md "Auth").
 * Idempotent across restarts: a key already stored is left as it is (a revoked one stays revoked);
 * the same key configured under two roles is a configuration error.
 */
export async function bootstrapApiKeys(
  keys: ApiKeyRepository,
  configured: { role: Role; keys: string[] }[],
  logger: Logger,
): Promise<{ created: number; existing: number }> {
  let created = 0;
  let existing = 0;
  for (const { role, keys: list } of configured) {
    for (const [index, key] of list.entries()) {
      const keyHash = hashApiKey(key);
      const found = await keys.findByHash(keyHash);
      if (found) {
        if (found.role !== role)
          throw new Error(`a configured ${role} API key is already stored with the ${found.role} role`);
        existing += 1;
        continue;
      }
      const record = await keys.insert({ id: randomUUID(), name: `env:${role}:${index + 1}`, role, keyHash });
      logger.info({ keyId: record.id, role, name: record.name }, "API key created from the environment");
      created += 1;
    }
  }
  return { created, existing };
}
