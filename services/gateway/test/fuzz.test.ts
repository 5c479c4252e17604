import { fileURLToPath } from "node:url";
import { ErrorBody } from "@btt/shared/http";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { deployMigrations, silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import fc from "fast-check";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createApiKeyRepository } from "../src/data/api-keys.js";
import { createPrismaClient, type PrismaClient } from "../src/data/prisma.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { bootstrapApiKeys } from "../src/use-cases/bootstrap-api-keys.js";
import {
  type RecordingService,
  startRecordingService,
  UNREACHABLE_DOWNSTREAM,
} from "./downstream-fixtures.js";

const OPERATOR = "op_fuzz_operator_key_0123456789abcdef";
const RUNS = 2_000;

let db: TestDatabase;
let prisma: PrismaClient;
let app: Express;
/** Plays the airdrop, the indexer and the speed ledger: a request that passes validation gets 200. */
let service: RecordingService;

beforeAll(async () => {
  db = await createTestDatabase();
  await deployMigrations(fileURLToPath(new URL("..", import.meta.url)), "gateway", db.url);
  prisma = createPrismaClient(db.url);
  service = await startRecordingService();
  await bootstrapApiKeys(
    createApiKeyRepository(prisma),
    [{ role: "operator", keys: [OPERATOR] }],
    silentLogger,
  );
  // No broker is needed: nothing the fuzzer sends is both well-formed and validly signed, so no
  // request reaches Kafka (a valid one would get 503 UNAVAILABLE, which is not bad input).
  const kafka = createKafka({
    clientId: "fuzz",
    brokers: ["127.0.0.1:1"],
    logger: silentLogger,
    config: { retry: { retries: 0 } },
  });
  const speed = {
    producer: createEventProducer(kafka),
    verdicts: new VerdictBoard(),
    domain: "btt-speed/v1/devnet",
  };
  app = createApp({
    logger: silentLogger,
    prisma,
    kafka,
    downstream: {
      ...UNREACHABLE_DOWNSTREAM,
      airdrop: service.url,
      indexer: service.url,
      speedLedger: service.url,
    },
    speed,
    rateLimits: { perIpPerMinute: 1e9, perKeyPerMinute: 1e9 },
  });
});
afterAll(async () => {
  await service?.close();
  await prisma?.$disconnect();
  await db?.drop();
});

const deep = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "{",
    '{"a":',
    "[1,2",
    "\u0000",
    "null",
    "1e99999",
    '{"__proto__":{"x":1}}',
    deep(5000),
    "\ud800",
  ),
  fc.json(),
);
const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.json().map((j) => JSON.parse(j)),
);
const hostileObject = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "command",
      "signature",
      "name",
      "role",
      "reason",
      "type",
      "payer",
      "amount",
      "merkleRoot",
      "pool",
      "addresses",
      "address",
      "height",
      "at",
      "snapshot",
      "scheduleEntryId",
      "memo",
      "grantId",
      "actor",
      "__proto__",
      "constructor",
    ),
    fc.string(),
  ),
  value,
);
const commandLike = fc.record({
  command: fc.record(
    {
      type: fc.constantFrom("voucher", "channel.open", "channel.close", "withdrawal.request", "bogus"),
      domain: fc.constantFrom("btt-speed/v1/devnet", "btt-speed/v1/mainnet", ""),
      id: fc.oneof(fc.uuid(), fc.string()),
      notAfter: fc.oneof(fc.constant("1795555200000"), fc.string(), fc.integer().map(String)),
      payer: fc.oneof(
        fc.constant("TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw"),
        fc.constant("417564105e977516c53be337314c7e53838967bdac"),
        fc.string(),
      ),
      payee: fc.oneof(fc.constant("TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H"), fc.string()),
      amount: fc.oneof(fc.bigInt({ min: -10n, max: 10n ** 40n }).map(String), fc.integer()),
      cumulativeAmount: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String), fc.integer()),
    },
    { requiredKeys: [] },
  ),
  signature: fc.oneof(
    fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 140 }).map((h) => `0x${h}`),
    fc.string(),
  ),
});
const routes = fc.constantFrom(
  ["post", "/v1/speed/commands"],
  ["post", "/v1/speed/commands?wait=abc"],
  ["post", "/v1/speed/commands?wait=99999"],
  ["post", "/v1/api-keys"],
  ["get", "/v1/api-keys"],
  ["post", "/v1/api-keys/not-a-uuid/revoke"],
  ["post", "/v1/api-keys/00000000-0000-4000-8000-000000000000/revoke"],
  ["get", "/v1/rounds/%E0%A4%A/entitlements/x"],
  ["post", "/v1/rounds"],
  ["post", "/v1/rounds/5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60/approve"],
  ["post", "/v1/rounds/not-a-round/exclusions"],
  ["post", "/v1/rounds/5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60/entitlements/lookup"],
  ["patch", "/v1/schedule/entries/5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60"],
  ["post", "/v1/schedule/entries"],
  ["post", "/v1/snapshots"],
  ["get", "/v1/snapshots/-1/holdings?format=xml"],
  ["get", "/v1/snapshots/99999999999999999999/holdings/41zz"],
  ["get", "/v1/rounds?limit=0&status=%00"],
  ["get", "/v1/entitlements/%F0%9F%92%A9"],
  ["get", "/v1/speed/accounts/TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"],
  ["get", "/v1/speed/accounts/41zz/statement?limit=-1"],
  ["get", "/v1/speed/accounts/TJRabPrwbZy45sbavfcjinPJC18kjpRTv8/channels?status=%00&cursor="],
  ["get", "/v1/speed/channels/not-a-uuid"],
  ["get", "/v1/speed/withdrawals/5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60?x=1"],
  ["get", "/v1/speed/commands/%E0%A4%A"],
  ["post", "/v1/speed/grants"],
  ["get", "/v1/speed/rewards/epochs?limit=abc"],
  ["get", "/v1/speed/ledger/check?deep=1"],
  // Only ever-invalid stream requests: a valid one is an endless stream, not an answer.
  ["get", "/v1/speed/accounts/%F0%9F%92%A9/events"],
  ["get", "/v1/speed/accounts/TJRabPrwbZy45sbavfcjinPJC18kjpRTv8/events?since=1"],
  ["delete", "/v1/api-keys"],
  ["get", "/../../etc/passwd"],
  ["put", "/v1/speed/commands"],
);
const auth = fc.constantFrom(undefined, `Bearer ${OPERATOR}`, "Bearer nope", "Basic x", "Bearer ");
/** Repeated keys on purpose: replays and IDEMPOTENCY_MISMATCH must stay in the error shape too. */
const idempotencyKey = fc.oneof(
  fc.constantFrom(undefined, "fuzz-key-1", "fuzz-key-2", "", "x".repeat(300), "a b"),
  fc.uuid(),
);
const body = fc.oneof(
  hostileText.map((text) => ({ raw: text })),
  hostileObject.map((o) => ({ json: o })),
  commandLike.map((o) => ({ json: o })),
  fc.constant({ raw: "x".repeat(300 * 1024) }),
);

describe("fuzz: hostile requests", () => {
  it(`answers ${RUNS} malformed or hostile requests without a 5xx and always in the API's error shape`, async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(
        routes,
        auth,
        idempotencyKey,
        body,
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
        async ([method, path], authorization, key, payload, contentType) => {
          count += 1;
          let req = request(app)
            [method as "get" | "post" | "patch" | "put" | "delete"](path)
            .set("Content-Type", contentType);
          if (authorization) req = req.set("Authorization", authorization);
          if (key !== undefined) req = req.set("Idempotency-Key", key);
          const res =
            "raw" in payload ? await req.send(payload.raw) : await req.send(JSON.stringify(payload.json));
          expect(res.status, `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) {
            const parsed = ErrorBody.safeParse(res.body);
            expect(parsed.success, `${method} ${path}: ${res.text.slice(0, 200)}`).toBe(true);
            // A replay is the first answer, verbatim: its body names the request that produced it.
            if (res.headers["idempotency-replayed"] !== "true")
              expect(res.body.error.requestId).toBe(res.headers["x-request-id"]);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(count).toBe(RUNS);
  }, 300_000);
});
