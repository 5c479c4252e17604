import SwaggerParser from "@apidevtools/swagger-parser";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";
import { buildOpenApiDocument } from "../src/http/openapi.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";

let app: Express;
beforeAll(() => {
  const kafka = createKafka({ clientId: "t", brokers: ["127.0.0.1:1"], logger: silentLogger });
  // The document routes touch no database: a client that is never connected is enough.
  const prisma = createPrismaClient("postgres://nobody@127.0.0.1:1/none");
  app = createApp({
    logger: silentLogger,
    prisma,
    kafka,
    downstream: [],
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

  it("renders a readable reference page with every route, locally", async () => {
    const res = await request(app).get("/docs").expect(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    for (const route of buildOpenApiDocument().routes)
      expect(res.text).toContain(`<code>${route.path}</code>`);
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!127)/);
  });
});
