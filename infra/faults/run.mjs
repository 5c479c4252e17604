// `npm run test:faults`: sets up what is missing, then the full fault suite (infra/faults) on a
// stack of its own (embedded PostgreSQL unless DATABASE_URL, the Kafka development broker, the
// devnet). `npm test` runs the short form inside the stack test (infra/test/stack.test.mjs).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setupAll } from "../stack/lib/setup.mjs";
import { run } from "../stack/lib/tools.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
await setupAll();
run(process.execPath, ["--test", "--test-reporter=spec", path.join(here, "faults.test.mjs")]);
