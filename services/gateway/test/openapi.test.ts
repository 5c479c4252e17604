import SwaggerParser from "@apidevtools/swagger-parser";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";
import { AIRDROP_ROUTES } from "../src/http/airdrop-routes.js";
import { buildOpenApiDocument } from "../src/http/openapi.js";
import { SNAPSHOT_ROUTES } from "../src/http/snapshot-routes.js";
import { SPEED_LEDGER_ROUTES } from "../src/http/speed-ledger-routes.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { UNREACHABLE_DOWNSTREAM } from "./downstream-fixtures.js";

let app: Express;
beforeAll(() => {
  const kafka = createKafka({ clientId: "t", brokers: ["127.0.0.1:1"], logger: silentLogger });
  // The document routes touch no database: a client that is never connected is enough.
  const prisma = createPrismaClient("postgres://nobody@127.0.0.1:1/none");
  app = createApp({
    logger: silentLogger,
    prisma,
    kafka,
    downstream: UNREACHABLE_DOWNSTREAM,
    speed: {
      producer: createEventProducer(kafka),
      verdicts: new VerdictBoard(),
      domain: "btt-speed/v1/devnet",
    },
  });
});

/** Every route the app mounts, read from Express's own router. */
function mountedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: unknown[], prefix: string) => {
    for (const layer of stack as {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
      matchers?: unknown;
      regexp?: RegExp;
      name?: string;
    }[]) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods))
          out.push(`${method} ${prefix}${layer.route.path}`);
      } else if (layer.name === "router" && layer.handle?.stack) {
        walk(layer.handle.stack, "/v1/api-keys");
      }
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack, "");
  return out.map((r) => r.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}")).sort();
}

describe("OpenAPI 3.1 and /docs", () => {
  it("serves a document that validates and lists every mounted route", async () => {
    const res = await request(app).get("/v1/openapi.json").expect(200);
    expect(res.body.openapi).toBe("3.1.0");
    await SwaggerParser.validate(structuredClone(res.body));
    const documented = buildOpenApiDocument()
      .routes.map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(documented).toEqual(mountedRoutes(app));
  });

  it("documents API.md's schedule, snapshot, round and entitlement routes with roles, schemas and errors", () => {
    const { document, routes } = buildOpenApiDocument();
    const listed = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    // API.md "Schedule", "Snapshots", "Rounds and entitlements", route by route.
    expect(listed).toEqual(
      expect.arrayContaining([
        "GET /v1/schedule",
        "GET /v1/schedule/changes",
        "POST /v1/schedule/entries",
        "PATCH /v1/schedule/entries/{id}",
        "POST /v1/snapshots",
        "GET /v1/snapshots",
        "GET /v1/snapshots/{height}",
        "GET /v1/snapshots/{height}/holdings/{address}",
        "GET /v1/snapshots/{height}/holdings",
        "POST /v1/rounds",
        "GET /v1/rounds",
        "GET /v1/rounds/{id}",
        "POST /v1/rounds/{id}/exclusions",
        "POST /v1/rounds/{id}/approve",
        "POST /v1/rounds/{id}/pause",
        "POST /v1/rounds/{id}/resume",
        "POST /v1/rounds/{id}/cancel",
        "GET /v1/rounds/{id}/entitlements/{address}",
        "GET /v1/rounds/{id}/entitlements",
        "POST /v1/rounds/{id}/entitlements/lookup",
        "GET /v1/entitlements/{address}",
        "GET /v1/rounds/{id}/audit",
        // API.md "Speed"
        "POST /v1/speed/commands",
        "GET /v1/speed/commands/{commandId}",
        "GET /v1/speed/accounts/{address}",
        "GET /v1/speed/accounts/{address}/statement",
        "GET /v1/speed/accounts/{address}/channels",
        "GET /v1/speed/accounts/{address}/events",
        "GET /v1/speed/channels/{channelId}",
        "GET /v1/speed/withdrawals/{id}",
        "POST /v1/speed/grants",
        "GET /v1/speed/rewards/epochs",
        "GET /v1/speed/ledger/check",
      ]),
    );
    type Op = {
      security?: unknown[];
      parameters?: { name: string; in: string; required?: boolean }[];
      requestBody?: { content: Record<string, { schema: unknown }> };
      responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: object }>;
    };
    const operation = (path: string, method: string) =>
      document.paths?.[path]?.[method as "get"] as unknown as Op;
    for (const route of [...AIRDROP_ROUTES, ...SNAPSHOT_ROUTES, ...SPEED_LEDGER_ROUTES]) {
      const op = operation(route.path, route.method);
      const name = `${route.method} ${route.path}`;
      expect(Boolean(op.security?.length), name).toBe(route.access !== "public");
      expect(
        op.responses[String(route.answer.status)]?.content?.["application/json"]?.schema,
        name,
      ).toBeTruthy();
      expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(["429", "503"]));
      if (route.access !== "public")
        expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(["401", "403"]));
      expect(Boolean(op.requestBody?.content["application/json"]?.schema), name).toBe(
        route.body !== undefined,
      );
      const idempotent =
        op.parameters?.some((p) => p.in === "header" && p.name === "idempotency-key") ?? false;
      expect(idempotent, name).toBe(route.access === "operator" && route.method !== "get");
      for (const param of route.path.match(/\{(\w+)\}/g) ?? [])
        expect(
          op.parameters?.map((p) => p.name),
          name,
        ).toContain(param.slice(1, -1));
    }
    const grants = operation("/v1/speed/grants", "post");
    expect(grants.parameters?.find((p) => p.name === "idempotency-key")?.required).toBe(true);
    expect(Object.keys(grants.responses)).toEqual(expect.arrayContaining(["201", "409", "422"]));
    const events = operation("/v1/speed/accounts/{address}/events", "get");
    expect(events.security).toBeUndefined();
    expect(events.responses["200"]?.content?.["text/event-stream"]).toBeTruthy();
    expect(events.parameters?.map((p) => p.name)).toEqual(["address"]);
    const csv = operation("/v1/rounds/{id}/entitlements", "get");
    expect(csv.responses["200"]?.content?.["text/csv"]).toBeTruthy();
    expect(JSON.stringify(csv.responses["200"]?.headers)).toContain("X-Merkle-Root");
    const schemas = Object.keys(document.components?.schemas ?? {});
    expect(schemas).toEqual(
      expect.arrayContaining([
        "Round",
        "Entitlement",
        "ScheduleEntry",
        "Snapshot",
        "Holding",
        "NewRound",
        "Error",
        "SpeedAccount",
        "SpeedChannel",
        "SpeedWithdrawal",
        "SpeedGrant",
        "SpeedLedgerCheck",
      ]),
    );
  });

  it("renders a readable reference page with every route, locally", async () => {
    const res = await request(app).get("/docs").expect(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    for (const route of buildOpenApiDocument().routes)
      expect(res.text).toContain(`<code>${route.path}</code>`);
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!127)/);
  });
});
