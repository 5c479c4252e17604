import { fileURLToPath } from "node:url";
import { describeServiceBasics } from "@btt/shared/testing/service-basics";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";

describeServiceBasics({
  service: "speed-ledger",
  schema: "ledger",
  serviceDir: fileURLToPath(new URL("..", import.meta.url)),
  tables: ["outbox", "processed_messages"],
  portVariable: "SPEED_LEDGER_PORT",
  hasOutbox: true,
  createPrisma: createPrismaClient,
  createApp: (deps) => createApp({ ...deps }),
});
