import { fileURLToPath } from "node:url";
import { ErrorBody } from "@btt/shared/http";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { deployMigrations, silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createApiKeyRepository } from "../src/data/api-keys.js";
import { createPrismaClient, type PrismaClient } from "../src/data/prisma.js";
import { hashApiKey } from "../src/domain/api-key.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { bootstrapApiKeys } from "../src/use-cases/bootstrap-api-keys.js";
import { UNREACHABLE_DOWNSTREAM } from "./downstream-fixtures.js";

const OPERATOR = "op_test_operator_key_0123456789abcdef";
const OPERATOR_2 = "op_test_operator_key_2_0123456789abcdef";
const EXCHANGE = "ex_test_exchange_key_0123456789abcdef";

let db: TestDatabase;
let prisma: PrismaClient;
let app: Express;

beforeAll(async () => {
  db = await createTestDatabase();
  await deployMigrations(fileURLToPath(new URL("..", import.meta.url)), "gateway", db.url);
  prisma = createPrismaClient(db.url);
  const keys = createApiKeyRepository(prisma);
  await bootstrapApiKeys(
    keys,
    [
      { role: "operator", keys: [OPERATOR, OPERATOR_2] },
      { role: "exchange", keys: [EXCHANGE] },
    ],
    silentLogger,
  );
  // Kafka is not needed by these routes; an unreachable broker keeps the test independent of it.
  const kafka = createKafka({ clientId: "t", brokers: ["127.0.0.1:1"], logger: silentLogger });
  const speed = {
    producer: createEventProducer(kafka),
    verdicts: new VerdictBoard(),
    domain: "btt-speed/v1/devnet",
  };
  app = createApp({ logger: silentLogger, prisma, kafka, downstream: UNREACHABLE_DOWNSTREAM, speed });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe("API keys: auth and role matrix", () => {
  it("stores only the SHA-256 of each configured key, and bootstrapping again changes nothing", async () => {
    const { rows } = await db.pool.query(`SELECT name, role, key_hash FROM gateway.api_keys ORDER BY name`);
    expect(rows.map((r) => [r.name, r.role])).toEqual([
      ["env:exchange:1", "exchange"],
      ["env:operator:1", "operator"],
      ["env:operator:2", "operator"],
    ]);
    expect(Buffer.from(rows[1].key_hash).equals(hashApiKey(OPERATOR))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(OPERATOR);
    const again = await bootstrapApiKeys(
      createApiKeyRepository(prisma),
      [{ role: "operator", keys: [OPERATOR] }],
      silentLogger,
    );
    expect(again).toEqual({ created: 0, existing: 1 });
    await expect(
      bootstrapApiKeys(
        createApiKeyRepository(prisma),
        [{ role: "exchange", keys: [OPERATOR] }],
        silentLogger,
      ),
    ).rejects.toThrow(/already stored with the operator role/);
  });

  it.each([
    ["no key", {}, 401, "UNAUTHENTICATED"],
    ["an unknown key", bearer("op_not_a_real_key_0123456789abcdef"), 401, "UNAUTHENTICATED"],
    ["a malformed header", { Authorization: "Basic abc" }, 401, "UNAUTHENTICATED"],
    ["an exchange key", bearer(EXCHANGE), 403, "FORBIDDEN"],
  ])("refuses %s on an operator route", async (_what, headers, status, code) => {
    const res = await request(app)
      .get("/v1/api-keys")
      .set(headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(ErrorBody.parse(res.body).error.code).toBe(code);
  });

  it("lets an operator create a key (shown once), list keys (never their secrets) and revoke one", async () => {
    const created = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR))
      .send({ name: "exchange desk", role: "exchange" })
      .expect(201);
    expect(created.body).toMatchObject({ name: "exchange desk", role: "exchange", revokedAt: null });
    expect(created.body.key).toMatch(/^ex_[A-Za-z0-9_-]{43}$/);

    // The new exchange key reads nothing operator-only.
    await request(app).get("/v1/api-keys").set(bearer(created.body.key)).expect(403);

    const list = await request(app).get("/v1/api-keys").set(bearer(OPERATOR)).expect(200);
    expect(list.body.items.map((k: { name: string }) => k.name).sort()).toEqual([
      "env:exchange:1",
      "env:operator:1",
      "env:operator:2",
      "exchange desk",
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    for (const item of list.body.items) expect(item).not.toHaveProperty("key");

    const revoked = await request(app)
      .post(`/v1/api-keys/${created.body.id}/revoke`)
      .set(bearer(OPERATOR))
      .send({ reason: "desk closed" })
      .expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await request(app).get("/v1/api-keys").set(bearer(created.body.key)).expect(401);
    expect(refused.body.error.message).toMatch(/revoked/);

    const { rows } = await db.pool.query(
      `SELECT action, target, reason, key_id FROM gateway.audit_log ORDER BY seq`,
    );
    const operatorId = list.body.items.find((k: { name: string }) => k.name === "env:operator:1").id;
    expect(rows).toEqual([
      {
        action: "api-key.create",
        target: created.body.id,
        reason: 'exchange key "exchange desk"',
        key_id: operatorId,
      },
      { action: "api-key.revoke", target: created.body.id, reason: "desk closed", key_id: operatorId },
    ]);
  });

  it("validates bodies and ids, and refuses a key revoking itself", async () => {
    const bad = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR))
      .send({ name: "x", role: "admin" })
      .expect(400);
    expect(bad.body.error.details).toEqual([{ path: "role", message: expect.any(String) }]);
    await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR))
      .send({ name: "x", role: "exchange", extra: 1 })
      .expect(400);
    await request(app)
      .post("/v1/api-keys/not-a-uuid/revoke")
      .set(bearer(OPERATOR))
      .send({ reason: "x" })
      .expect(400);
    await request(app)
      .post("/v1/api-keys/00000000-0000-4000-8000-000000000000/revoke")
      .set(bearer(OPERATOR))
      .send({ reason: "x" })
      .expect(404);
    const list = await request(app).get("/v1/api-keys").set(bearer(OPERATOR)).expect(200);
    const self = list.body.items.find((k: { name: string }) => k.name === "env:operator:1");
    const conflict = await request(app)
      .post(`/v1/api-keys/${self.id}/revoke`)
      .set(bearer(OPERATOR))
      .send({ reason: "x" })
      .expect(409);
    expect(conflict.body.error.code).toBe("CONFLICT");
    // Another operator may revoke it; then it no longer authenticates.
    await request(app)
      .post(`/v1/api-keys/${self.id}/revoke`)
      .set(bearer(OPERATOR_2))
      .send({ reason: "rotated" })
      .expect(200);
    await request(app).get("/v1/api-keys").set(bearer(OPERATOR)).expect(401);
  });
});

describe("gateway hardening", () => {
  it("sends security headers and no CORS permission, on successes and errors alike", async () => {
    for (const res of [
      await request(app).get("/healthz").set("Origin", "https://evil.example"),
      await request(app).get("/v1/api-keys").set("Origin", "https://evil.example"),
      await request(app)
        .options("/v1/api-keys")
        .set("Origin", "https://evil.example")
        .set("Access-Control-Request-Method", "GET"),
    ]) {
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["strict-transport-security"]).toMatch(/max-age=/);
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(res.headers["x-request-id"]).toBeTruthy();
    }
  });
});

describe("rate limits", () => {
  it("answers 429 RATE_LIMITED with Retry-After past the per-key and per-address limits, never on health", async () => {
    const kafka = createKafka({ clientId: "t", brokers: ["127.0.0.1:1"], logger: silentLogger });
    const speed = {
      producer: createEventProducer(kafka),
      verdicts: new VerdictBoard(),
      domain: "btt-speed/v1/devnet",
    };
    const limitedApp = createApp({
      logger: silentLogger,
      prisma,
      kafka,
      downstream: UNREACHABLE_DOWNSTREAM,
      speed,
      rateLimits: { perIpPerMinute: 8, perKeyPerMinute: 3 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await request(limitedApp).get("/v1/api-keys").set(bearer(OPERATOR_2))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await request(limitedApp).get("/v1/api-keys").set(bearer(OPERATOR_2)).expect(429);
    expect(ErrorBody.parse(refused.body).error.code).toBe("RATE_LIMITED");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    // Another key still passes until the address itself is over its limit (8 per minute).
    await request(limitedApp).get("/v1/api-keys").set(bearer(EXCHANGE)).expect(403);
    await request(limitedApp).get("/v1/api-keys").set(bearer(EXCHANGE)).expect(403);
    await request(limitedApp).get("/v1/api-keys").set(bearer(EXCHANGE)).expect(403);
    const overAddress = await request(limitedApp).get("/v1/api-keys").set(bearer(EXCHANGE)).expect(429);
    expect(overAddress.body.error.message).toMatch(/from this address/);
    for (let i = 0; i < 5; i += 1) await request(limitedApp).get("/healthz").expect(200);
  });
});

describe("Idempotency-Key on operator POSTs", () => {
  it("replays the first answer for the same key and body, refuses another body, keys scoped per API key", async () => {
    const first = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "create-desk-2")
      .send({ name: "desk 2", role: "exchange" })
      .expect(201);
    expect(first.headers["idempotency-replayed"]).toBeUndefined();
    const again = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "create-desk-2")
      .send({ name: "desk 2", role: "exchange" })
      .expect(201);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    const list = await request(app).get("/v1/api-keys").set(bearer(OPERATOR_2)).expect(200);
    expect(list.body.items.filter((k: { name: string }) => k.name === "desk 2")).toHaveLength(1);

    const mismatch = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "create-desk-2")
      .send({ name: "desk 3", role: "exchange" })
      .expect(409);
    expect(ErrorBody.parse(mismatch.body).error.code).toBe("IDEMPOTENCY_MISMATCH");

    // An error answer is kept too: the same request is answered the same way.
    const bad = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "bad-1")
      .send({ name: "", role: "exchange" });
    const badAgain = await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "bad-1")
      .send({ name: "", role: "exchange" });
    expect([bad.status, badAgain.status]).toEqual([400, 400]);
    expect(badAgain.headers["idempotency-replayed"]).toBe("true");

    await request(app)
      .post("/v1/api-keys")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "x".repeat(201))
      .send({ name: "d", role: "exchange" })
      .expect(400);
  });
});
