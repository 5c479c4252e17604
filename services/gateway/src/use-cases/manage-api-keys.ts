import { randomUUID } from "node:crypto";
import { AppError } from "@btt/shared/errors";
import type { ApiKeyRecord, ApiKeyRepository } from "../data/api-keys.js";
import { generateApiKey, hashApiKey, type Role } from "../domain/api-key.js";

/** Creates a key; the plain key is returned this once and never stored. */
export async function createApiKey(
  keys: ApiKeyRepository,
  input: { name: string; role: Role },
): Promise<ApiKeyRecord & { key: string }> {
  const key = generateApiKey(input.role);
  const record = await keys.insert({
    id: randomUUID(),
    name: input.name,
    role: input.role,
    keyHash: hashApiKey(key),
  });
  return { ...record, key };
}

export async function revokeApiKey(
  keys: ApiKeyRepository,
  id: string,
  actingKeyId: string,
  now: Date,
): Promise<ApiKeyRecord> {
  if (id === actingKeyId)
    throw new AppError("CONFLICT", "a key cannot revoke itself; use another operator key");
  const record = await keys.revoke(id, now);
  if (!record) throw new AppError("NOT_FOUND", `no API key ${id}`);
  return record;
}
