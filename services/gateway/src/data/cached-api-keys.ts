import type { ApiKeyRecord, ApiKeyRepository } from "./api-keys.js";

/** How long a gateway instance trusts a key it looked up before asking PostgreSQL again. */
export const API_KEY_CACHE_MS_DEFAULT = 5_000;
/** Bound on the memory the cache takes; the oldest entries go first. */
export const API_KEY_CACHE_MAX = 10_000;
/** Past this share of `ttlMs`, a key in use is re-read in the background. */
const REFRESH_AHEAD = 0.9;

type Found = ApiKeyRecord & { keyHash: Buffer };

/**
 * The key repository with the authentication lookup cached for `ttlMs`: one PostgreSQL round trip
 * per key and interval instead of one per request. Only keys that exist are cached (an unknown key
 * always asks the database, so a key created on another instance works at once; floods of random
 * keys are the rate limiter's business). A revocation through this instance takes effect at once;
 * one made through another instance takes effect here within `ttlMs`. `ttlMs` = 0 turns it off.
 * A key in use is re-read in the background once past 90 % of its interval (refresh-ahead), so no
 * request waits on PostgreSQL for it: a Prisma lookup costs ≈ 2–3 ms of this thread's time.
 */
export function cachedApiKeyRepository(
  inner: ApiKeyRepository,
  { ttlMs = API_KEY_CACHE_MS_DEFAULT, max = API_KEY_CACHE_MAX, now = Date.now } = {},
): ApiKeyRepository {
  if (ttlMs <= 0) return inner;
  // hex(keyHash) → the record and when it was read; Map order = insertion order, oldest first
  const entries = new Map<string, { found: Found; readAtMs: number }>();
  // Keys being re-read in the background (refresh-ahead), by hex(keyHash).
  const refreshing = new Set<string>();
  // Bumped by every revocation through this instance: a read that started before one may hold the
  // key as it was, and must not put it back in the cache.
  let revocations = 0;

  const forget = (id: string) => {
    for (const [hash, entry] of entries) if (entry.found.id === id) entries.delete(hash);
  };

  /** Reads the key and caches what was read, unless a revocation happened meanwhile. */
  const read = async (hash: string, keyHash: Buffer): Promise<Found | null> => {
    const readAtMs = now();
    const epoch = revocations;
    const found = await inner.findByHash(keyHash);
    if (epoch !== revocations) return found;
    entries.delete(hash);
    if (found) {
      entries.set(hash, { found, readAtMs });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    }
    return found;
  };

  return {
    insert: (key) => inner.insert(key),
    list: () => inner.list(),
    async findByHash(keyHash) {
      const hash = keyHash.toString("hex");
      const cached = entries.get(hash);
      const age = cached ? now() - cached.readAtMs : Number.POSITIVE_INFINITY;
      if (cached && age < ttlMs) {
        // Near the end of its life, the key is read again in the background, so that a busy key
        // never makes a request wait for PostgreSQL; the bound on a revocation elsewhere stays ttlMs.
        if (age >= ttlMs * REFRESH_AHEAD && !refreshing.has(hash)) {
          refreshing.add(hash);
          read(hash, keyHash)
            .catch(() => {}) // the entry expires on time and the next request reads it itself
            .finally(() => refreshing.delete(hash));
        }
        return cached.found;
      }
      return read(hash, keyHash);
    },
    async revoke(id, at) {
      revocations += 1;
      forget(id);
      try {
        return await inner.revoke(id, at);
      } finally {
        revocations += 1;
        forget(id); // a lookup that raced the revocation may have cached the key again
      }
    },
  };
}
