// `npm run setup`: install packages, generate Prisma clients, build everything, build the broker.
import { setupAll } from "./lib/setup.mjs";
import { fail } from "./lib/tools.mjs";

try {
  await setupAll();
} catch (error) {
  fail(error.message);
  process.exit(error.exitCode ?? 1);
}
