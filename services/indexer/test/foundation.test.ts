import { fileURLToPath } from "node:url";
import { describeServiceBasics } from "@btt/shared/testing/service-basics";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";

describeServiceBasics({
  service: "indexer",
  schema: "indexer",
  serviceDir: fileURLToPath(new URL("..", import.meta.url)),
  tables: [
    "outbox",
    "chain_cursor",
    "base_state",
    "blocks",
    "account_versions",
    "deposits",
    "snapshots",
    "snapshot_time_requests",
    "snapshot_holdings",
  ],
  portVariable: "INDEXER_PORT",
  hasOutbox: true,
  createPrisma: createPrismaClient,
  createApp: (deps) => createApp({ ...deps }),
});
