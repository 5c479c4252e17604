import type { ApiKeyRecord, ApiKeyRepository } from "./api-keys.js";

/** How long a gateway instance trusts a key it looked up before asking PostgreSQL again. */
export const API_KEY_CACHE_MS_DEFAULT = 5_000;
/** Bound on the memory the cache takes; the oldest entries go first. */
export const API_KEY_CACHE_MAX = 10_000;

type Found = ApiKeyRecord & { keyHash: Buffer };

/**
 * The key repository with the authentication lookup cached for `ttlMs`: one PostgreSQL round trip
 * per key and interval instead of one per request. Only keys that exist are cached (an unknown key
 * always asks the database, so a key created on another instance works at once; floods of random
 * keys are the rate limiter's business). A revocation through this instance takes effect at once;
 * one made through another instance takes effect here within `ttlMs`. `ttlMs` = 0 turns it off.
 */
export function cachedApiKeyRepository(
  inner: ApiKeyRepository,
  { ttlMs = API_KEY_CACHE_MS_DEFAULT, max = API_KEY_CACHE_MAX, now = Date.now } = {},
): ApiKeyRepository {
  if (ttlMs <= 0) return inner;
  // hex(keyHash) → the record and when it was read; Map order = insertion order, oldest first
  const entries = new Map<string, { found: Found; readAtMs: number }>();

  const forget = (id: string) => {
    for (const [hash, entry] of entries) if (entry.found.id === id) entries.delete(hash);
  };

  return {
    insert: (key) => inner.insert(key),
    list: () => inner.list(),
    async findByHash(keyHash) {
      const hash = keyHash.toString("hex");
      const cached = entries.get(hash);
      if (cached && now() - cached.readAtMs < ttlMs) return cached.found;
      const readAtMs = now();
      const found = await inner.findByHash(keyHash);
      entries.delete(hash);
      if (found) {
        entries.set(hash, { found, readAtMs });
        while (entries.size > max) entries.delete(entries.keys().next().value as string);
      }
      return found;
    },
    async revoke(id, at) {
      forget(id);
      try {
        return await inner.revoke(id, at);
      } finally {
        forget(id); // a lookup that raced the revocation may have cached the key again
      }
    },
  };
}
