import { fileURLToPath } from "node:url";
import { createEventProducer } from "@btt/shared/kafka";
import { describeServiceBasics } from "@btt/shared/testing/service-basics";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { UNREACHABLE_DOWNSTREAM } from "./downstream-fixtures.js";

describeServiceBasics({
  service: "gateway",
  schema: "gateway",
  serviceDir: fileURLToPath(new URL("..", import.meta.url)),
  tables: ["api_keys", "idempotency_keys", "audit_log"],
  portVariable: "GATEWAY_PORT",
  hasOutbox: false,
  createPrisma: createPrismaClient,
  createApp: (deps) =>
    createApp({
      ...deps,
      downstream: UNREACHABLE_DOWNSTREAM,
      speed: {
        producer: createEventProducer(deps.kafka),
        verdicts: new VerdictBoard(),
        domain: "btt-speed/v1/devnet",
      },
    }),
});
