import { describe, expect, it } from "vitest";
import type { ApiKeyRecord, ApiKeyRepository } from "./api-keys.js";
import { cachedApiKeyRepository } from "./cached-api-keys.js";

/** An in-memory repository standing in for PostgreSQL, counting lookups. */
function memoryRepository() {
  const rows = new Map<string, ApiKeyRecord & { keyHash: Buffer }>();
  const repo = {
    lookups: 0,
    async insert(key: { id: string; name: string; role: "operator" | "exchange"; keyHash: Buffer }) {
      const row = { ...key, createdAt: new Date(0), revokedAt: null };
      rows.set(key.keyHash.toString("hex"), row);
      return row;
    },
    async findByHash(keyHash: Buffer) {
      repo.lookups += 1;
      const row = rows.get(keyHash.toString("hex"));
      return row ? { ...row } : null;
    },
    async list() {
      return [...rows.values()];
    },
    async revoke(id: string, at: Date) {
      for (const row of rows.values()) if (row.id === id && row.revokedAt === null) row.revokedAt = at;
      return [...rows.values()].find((r) => r.id === id) ?? null;
    },
  };
  return repo satisfies ApiKeyRepository;
}

describe("cachedApiKeyRepository", () => {
  const hash = Buffer.alloc(32, 7);

  it("asks the database once per key and interval, and again after it", async () => {
    const db = memoryRepository();
    let t = 0;
    const keys = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => t });
    await db.insert({ id: "k1", name: "desk", role: "exchange", keyHash: hash });
    for (let i = 0; i < 10; i++) expect(await keys.findByHash(hash)).toMatchObject({ id: "k1" });
    expect(db.lookups).toBe(1);
    t = 5_000;
    await keys.findByHash(hash);
    expect(db.lookups).toBe(2);
  });

  it("never caches an unknown key, so a key created elsewhere works at once", async () => {
    const db = memoryRepository();
    const keys = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => 0 });
    expect(await keys.findByHash(hash)).toBeNull();
    await db.insert({ id: "k1", name: "desk", role: "exchange", keyHash: hash });
    expect(await keys.findByHash(hash)).toMatchObject({ id: "k1" });
  });

  it("a revocation through this instance is effective at once; through another, within the interval", async () => {
    const db = memoryRepository();
    let t = 0;
    const here = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => t });
    const elsewhere = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => t });
    await db.insert({ id: "k1", name: "desk", role: "exchange", keyHash: hash });
    expect((await here.findByHash(hash))?.revokedAt).toBeNull();
    expect((await elsewhere.findByHash(hash))?.revokedAt).toBeNull();
    await here.revoke("k1", new Date(1));
    expect((await here.findByHash(hash))?.revokedAt).toEqual(new Date(1));
    t = 4_999;
    expect((await elsewhere.findByHash(hash))?.revokedAt).toBeNull();
    t = 5_000;
    expect((await elsewhere.findByHash(hash))?.revokedAt).toEqual(new Date(1));
  });

  it("keeps at most `max` keys, forgetting the oldest", async () => {
    const db = memoryRepository();
    const keys = cachedApiKeyRepository(db, { ttlMs: 5_000, max: 2, now: () => 0 });
    const hashes = [1, 2, 3].map((n) => Buffer.alloc(32, n));
    for (const [i, h] of hashes.entries()) {
      await db.insert({ id: `k${i}`, name: "desk", role: "exchange", keyHash: h });
      await keys.findByHash(h);
    }
    db.lookups = 0;
    await keys.findByHash(hashes[2] as Buffer);
    await keys.findByHash(hashes[1] as Buffer);
    expect(db.lookups).toBe(0);
    await keys.findByHash(hashes[0] as Buffer);
    expect(db.lookups).toBe(1);
  });

  it("re-reads a key in use in the background near the end of its interval, so no request waits", async () => {
    const db = memoryRepository();
    let t = 0;
    const keys = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => t });
    await db.insert({ id: "k1", name: "desk", role: "exchange", keyHash: hash });
    await keys.findByHash(hash);
    t = 4_000;
    await keys.findByHash(hash);
    expect(db.lookups).toBe(1);
    t = 4_600;
    await db.revoke("k1", new Date(2)); // revoked elsewhere
    // still the cached record, and one read started behind it (only one, however many ask)
    const answers = await Promise.all([keys.findByHash(hash), keys.findByHash(hash)]);
    expect(answers.map((a) => a?.revokedAt)).toEqual([null, null]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.lookups).toBe(2);
    // the background read landed: the revocation is seen well within the interval
    t = 4_700;
    expect((await keys.findByHash(hash))?.revokedAt).toEqual(new Date(2));
    expect(db.lookups).toBe(2);
  });

  it("a read that raced a revocation through this instance never puts the key back", async () => {
    const db = memoryRepository();
    let t = 0;
    const keys = cachedApiKeyRepository(db, { ttlMs: 5_000, now: () => t });
    await db.insert({ id: "k1", name: "desk", role: "exchange", keyHash: hash });
    await keys.findByHash(hash);
    // the background read sees the key before the revocation, and answers after it
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const find = db.findByHash;
    db.findByHash = async (keyHash: Buffer) => {
      const row = await find(keyHash);
      await gate;
      return row;
    };
    t = 4_600;
    await keys.findByHash(hash); // starts the background read
    await keys.revoke("k1", new Date(3));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    db.findByHash = find;
    expect((await keys.findByHash(hash))?.revokedAt).toEqual(new Date(3));
  });

  it("is off with ttlMs = 0", async () => {
    const db = memoryRepository();
    expect(cachedApiKeyRepository(db, { ttlMs: 0 })).toBe(db);
  });
});
