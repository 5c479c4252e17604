import { Writable } from "node:stream";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError } from "../errors/index.js";
import { createLogger } from "../logger/index.js";
import {
  createHttpApp,
  createMetrics,
  createShutdown,
  ErrorBody,
  finishHttpApp,
  jsonDepth,
  parseInput,
} from "./index.js";

const silent = createLogger({
  service: "test",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

function buildApp(readiness = [{ name: "postgres", critical: true, check: async () => {} }]) {
  const app = createHttpApp({
    logger: silent,
    metrics: createMetrics("test", { defaultMetrics: false }),
    readiness,
    bodyLimitBytes: 1024,
  });
  app.post("/echo", (req, res) => {
    const body = parseInput(z.object({ amount: z.string().regex(/^\d+$/) }).strict(), req.body, "body");
    res.json(body);
  });
  app.get("/conflict", () => {
    throw new AppError("STALE_ROOT", "the root changed");
  });
  app.get("/async-busy", async () => {
    await Promise.resolve();
    throw new AppError("UNAVAILABLE", "indexer is down", { retryAfterSeconds: 5 });
  });
  app.get("/boom", () => {
    throw new Error("secret internals");
  });
  return finishHttpApp(app);
}

describe("HTTP kit", () => {
  it("answers health, readiness and metrics", async () => {
    const app = buildApp();
    await request(app).get("/healthz").expect(200, { status: "ok" });
    const ready = await request(app).get("/readyz").expect(200);
    expect(ready.body).toMatchObject({
      status: "ready",
      dependencies: [{ name: "postgres", state: "up", critical: true }],
    });
    await request(app).get("/healthz");
    const metrics = await request(app).get("/metrics").expect(200);
    expect(metrics.text).toContain(
      'http_requests_total{method="GET",route="/healthz",status="200",service="test"}',
    );
  });

  it("is unready when a critical dependency is down, and lists optional ones", async () => {
    const app = buildApp([
      {
        name: "postgres",
        critical: true,
        check: async () => Promise.reject(new Error("connection refused")),
      },
      { name: "indexer", critical: false, check: async () => {} },
    ]);
    const res = await request(app).get("/readyz").expect(503);
    expect(res.body.dependencies).toEqual([
      expect.objectContaining({ name: "postgres", state: "down", error: "connection refused" }),
      expect.objectContaining({ name: "indexer", state: "up" }),
    ]);
  });

  it("stays ready when only a non-critical dependency is down", async () => {
    const app = buildApp([
      { name: "airdrop", critical: false, check: async () => Promise.reject(new Error("down")) },
    ]);
    await request(app).get("/readyz").expect(200);
  });

  it("gives every response a request id, keeping a sane incoming one", async () => {
    const app = buildApp();
    const generated = await request(app).get("/healthz");
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await request(app).get("/healthz").set("X-Request-Id", "abc-123");
    expect(kept.headers["x-request-id"]).toBe("abc-123");
    const replaced = await request(app).get("/healthz").set("X-Request-Id", "bad id with spaces");
    expect(replaced.headers["x-request-id"]).not.toBe("bad id with spaces");
  });

  it.each([
    ["malformed JSON", "/echo", '{"amount":', 400, "MALFORMED_JSON"],
    ["a JSON scalar", "/echo", '"1"', 400, "MALFORMED_JSON"],
    ["JSON nested 65 deep", "/echo", `${"[".repeat(65)}${"]".repeat(65)}`, 400, "VALIDATION_FAILED"],
    ["JSON nested 900 deep, unterminated", "/echo", `{"a":${"[".repeat(900)}`, 400, "VALIDATION_FAILED"],
    ["an unknown field", "/echo", '{"amount":"1","extra":true}', 400, "VALIDATION_FAILED"],
    ["a wrong type", "/echo", '{"amount":1}', 400, "VALIDATION_FAILED"],
    [
      "a body over the limit",
      "/echo",
      JSON.stringify({ amount: "1".repeat(2000) }),
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ])("maps %s to the API error shape", async (_what, path, body, status, code) => {
    const res = await request(buildApp()).post(path).set("Content-Type", "application/json").send(body);
    expect(res.status).toBe(status);
    expect(ErrorBody.parse(res.body).error.code).toBe(code);
    expect(res.body.error.requestId).toBe(res.headers["x-request-id"]);
  });

  it("names the bad fields", async () => {
    const res = await request(buildApp()).post("/echo").send({ amount: 5 }).expect(400);
    expect(res.body.error.details).toEqual([{ path: "amount", message: expect.any(String) }]);
  });

  it("maps domain codes through the status table, async throws included", async () => {
    const app = buildApp();
    const conflict = await request(app).get("/conflict").expect(409);
    expect(conflict.body.error).toMatchObject({ code: "STALE_ROOT", message: "the root changed" });
    const busy = await request(app).get("/async-busy").expect(503);
    expect(busy.headers["retry-after"]).toBe("5");
    const missing = await request(app).get("/nope").expect(404);
    expect(ErrorBody.parse(missing.body).error.code).toBe("NOT_FOUND");
  });

  it("hides internals of unexpected errors", async () => {
    const res = await request(buildApp()).get("/boom").expect(500);
    expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "internal error" });
    expect(JSON.stringify(res.body)).not.toContain("secret internals");
  });
});

describe("graceful shutdown", () => {
  it("runs hooks in reverse order once, then exits 0", async () => {
    const order: string[] = [];
    const exit = vi.fn();
    const shutdown = createShutdown({ logger: silent, timeoutMs: 1000, exit });
    shutdown.add("db", () => {
      order.push("db");
    });
    shutdown.add("http", async () => {
      order.push("http");
    });
    await Promise.all([shutdown.run("test"), shutdown.run("again")]);
    expect(order).toEqual(["http", "db"]);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it("exits 1 when the hard timeout fires before a hook finishes", async () => {
    const exit = vi.fn();
    const shutdown = createShutdown({ logger: silent, timeoutMs: 20, exit });
    shutdown.add("stuck", () => new Promise(() => {}));
    await shutdown.run("test");
    expect(exit).toHaveBeenCalledWith(1);
  });
});

describe("jsonDepth", () => {
  it("counts nesting outside strings only", () => {
    expect(jsonDepth(Buffer.from('{"a":[1,{"b":[]}]}'))).toBe(4);
    expect(jsonDepth(Buffer.from('{"a":"[[[[\\"[[{{"}'))).toBe(1);
    expect(jsonDepth(Buffer.from("[]"))).toBe(1);
    expect(jsonDepth(Buffer.from('"x"'))).toBe(0);
  });
});
