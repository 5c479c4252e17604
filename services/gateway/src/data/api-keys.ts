import type { Role } from "../domain/api-key.js";
import type { PrismaClient } from "./prisma.js";

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: Date;
  revokedAt: Date | null;
}

interface Row {
  id: string;
  name: string;
  role: string;
  keyHash: Uint8Array;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Prisma's Bytes fields take a Uint8Array over a plain ArrayBuffer. */
function bytes(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer);
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}

export interface ApiKeyRepository {
  insert(key: { id: string; name: string; role: Role; keyHash: Buffer }): Promise<ApiKeyRecord>;
  findByHash(keyHash: Buffer): Promise<(ApiKeyRecord & { keyHash: Buffer }) | null>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>;
}

export function createApiKeyRepository(prisma: PrismaClient): ApiKeyRepository {
  return {
    async insert(key) {
      return toRecord(
        await prisma.apiKey.create({
          data: { id: key.id, name: key.name, role: key.role, keyHash: bytes(key.keyHash) },
        }),
      );
    },
    async findByHash(keyHash) {
      const row = await prisma.apiKey.findUnique({ where: { keyHash: bytes(keyHash) } });
      return row ? { ...toRecord(row), keyHash: Buffer.from(row.keyHash) } : null;
    },
    async list() {
      return (await prisma.apiKey.findMany({ orderBy: [{ createdAt: "asc" }, { name: "asc" }] })).map(
        toRecord,
      );
    },
    async revoke(id, at) {
      // Revoking twice keeps the first revocation time.
      await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      const row = await prisma.apiKey.findUnique({ where: { id } });
      return row ? toRecord(row) : null;
    },
  };
}
