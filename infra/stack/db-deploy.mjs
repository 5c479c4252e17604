// `npm run db:deploy`: apply every service's migrations to DATABASE_URL.
import { deployAllMigrations } from "./lib/migrate.mjs";
import { fail } from "./lib/tools.mjs";

if (!process.env.DATABASE_URL) {
  fail(
    "DATABASE_URL is not set: it names the PostgreSQL database to migrate (e.g. postgres://postgres@127.0.0.1:5432/btt).",
  );
  process.exit(78);
}
try {
  await deployAllMigrations(process.env.DATABASE_URL);
} catch (error) {
  fail(error.message);
  process.exit(error.exitCode ?? 1);
}
