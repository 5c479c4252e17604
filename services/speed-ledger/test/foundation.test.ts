import { fileURLToPath } from "node:url";
import { createMetrics } from "@btt/shared/http";
import { describeServiceBasics } from "@btt/shared/testing/service-basics";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";

describeServiceBasics({
  service: "speed-ledger",
  schema: "ledger",
  serviceDir: fileURLToPath(new URL("..", import.meta.url)),
  tables: [
    "accounts",
    "channels",
    "commands",
    "deposits",
    "grants",
    "journal",
    "outbox",
    "payment_attempts",
    "payments",
    "payout_batches",
    "payout_scan",
    "processed_messages",
    "reconciliation",
    "reward_epochs",
    "withdrawals",
  ],
  portVariable: "SPEED_LEDGER_PORT",
  hasOutbox: true,
  createPrisma: createPrismaClient,
  createApp: (deps) => createApp({ ...deps, metrics: createMetrics("speed-ledger") }),
});
