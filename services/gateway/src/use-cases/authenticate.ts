import { AppError } from "@btt/shared/errors";
import type { ApiKeyRecord, ApiKeyRepository } from "../data/api-keys.js";
import { hashApiKey, hashesEqual, type Role, roleAllows } from "../domain/api-key.js";

/** Resolves a presented key to its record, or throws UNAUTHENTICATED / FORBIDDEN. */
export async function authenticate(
  keys: ApiKeyRepository,
  presented: string | null,
  required: Role,
): Promise<ApiKeyRecord> {
  if (!presented)
    throw new AppError("UNAUTHENTICATED", "an API key is required: Authorization: Bearer <key>");
  const hash = hashApiKey(presented);
  const found = await keys.findByHash(hash);
  // The lookup is by hash; the comparison is repeated in constant time all the same.
  if (!found || !hashesEqual(found.keyHash, hash) || found.revokedAt !== null) {
    throw new AppError("UNAUTHENTICATED", "unknown or revoked API key");
  }
  if (!roleAllows(found.role, required)) {
    throw new AppError(
      "FORBIDDEN",
      `this route needs the ${required} role; the key has the ${found.role} role`,
    );
  }
  const { keyHash: _hash, ...record } = found;
  return record;
}
