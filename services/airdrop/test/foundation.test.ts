import { fileURLToPath } from "node:url";
import { describeServiceBasics } from "@btt/shared/testing/service-basics";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";

describeServiceBasics({
  service: "airdrop",
  schema: "airdrop",
  serviceDir: fileURLToPath(new URL("..", import.meta.url)),
  tables: [
    "approvals",
    "audit_log",
    "deployment",
    "entitlements",
    "merkle_chunks",
    "non_recipients",
    "outbox",
    "payment_attempts",
    "payments",
    "payout_batches",
    "payout_scan",
    "processed_messages",
    "round_exclusions",
    "rounds",
    "schedule_changes",
    "schedule_entries",
  ],
  portVariable: "AIRDROP_PORT",
  hasOutbox: true,
  createPrisma: createPrismaClient,
  createApp: (deps) => createApp({ ...deps }),
});
