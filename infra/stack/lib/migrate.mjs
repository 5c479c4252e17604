// Applies every service's Prisma migrations (prisma migrate deploy, WASM engine) to one database.
import path from "node:path";
import { SERVICES } from "./services.mjs";
import { ok, REPO_ROOT, run } from "./tools.mjs";

export function deployAllMigrations(databaseUrl) {
  for (const service of SERVICES) {
    run(
      process.execPath,
      [path.join(REPO_ROOT, "infra/prisma/prisma.mjs"), service.schema, "migrate", "deploy"],
      {
        cwd: path.join(REPO_ROOT, service.dir),
        env: { ...process.env, DATABASE_URL: databaseUrl },
        // Prisma prints banners on stderr; shown only when the deploy fails.
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  }
  ok(`migrations applied (schemas ${SERVICES.map((s) => s.schema).join(", ")})`);
}
