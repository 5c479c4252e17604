import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// Prisma without native engines (PLATFORM.md): the WASM schema engine through the pg adapter.
// `_prisma_migrations` lives in this service's own schema (search_path), so four services can share
// one database; infra/prisma/prisma.mjs creates the schema before `migrate deploy`.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () =>
    new PrismaPg({
      connectionString: process.env.DATABASE_URL ?? "",
      options: "-c search_path=gateway",
      // The CLI never closes the adapter: let idle connections end with the process.
      allowExitOnIdle: true,
    }),
});
