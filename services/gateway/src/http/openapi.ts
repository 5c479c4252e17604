import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { ERROR_CODES } from "@btt/shared/errors";
import { SignedSpeedCommand } from "@btt/shared/events";
import { z } from "zod";
import { ROLES } from "../domain/api-key.js";
import { AIRDROP_ROUTES } from "./airdrop-routes.js";
import { CreateApiKeyBody, RevokeApiKeyBody } from "./api-keys-routes.js";
import { isOperatorWrite, type ProxyRoute } from "./proxy-route.js";
import { SNAPSHOT_ROUTES } from "./snapshot-routes.js";
import { SPEED_EVENTS_PATH, SSE_HEARTBEAT_MS } from "./speed-events-route.js";
import { SPEED_LEDGER_ROUTES } from "./speed-ledger-routes.js";
import { AccountParams } from "./speed-schemas.js";
import { SPEED_THROUGHPUT_PATH, SpeedThroughputReport } from "./speed-throughput-route.js";

extendZodWithOpenApi(z);

/**
 * The OpenAPI 3.1 document of the routes this gateway serves, generated from the same zod schemas
 * the routes validate with (API.md is the prose form; this is the machine-readable one).
 */

const ApiKeyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

const CreatedApiKey = ApiKeyView.extend({
  key: z.string().describe("the key itself; shown only in this answer"),
}).openapi("CreatedApiKey");

const CommandAnswer = z
  .object({
    commandId: z.uuid(),
    status: z.enum(["queued", "accepted", "rejected"]),
    reason: z.string().optional(),
  })
  .openapi("SpeedCommandAnswer");

const Readiness = z
  .object({
    status: z.enum(["ready", "unready"]),
    dependencies: z.array(
      z.object({
        name: z.string(),
        critical: z.boolean(),
        state: z.enum(["up", "down"]),
        latencyMs: z.number().int(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi("Readiness");

/** API.md's error body (the same shape as @btt/shared/http ErrorBody, which the tests parse answers with). */
const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

const json = (schema: z.ZodType) => ({ "application/json": { schema } });
const errorResponses = (schema: z.ZodType, statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `error (see API.md "Errors")`, content: json(schema) }]),
  );
const IdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .max(200)
    .optional()
    .describe("retry-safe key; the same key and body replay the first answer"),
});
const RequiredIdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .max(200)
    .describe("required: names the operation; the same key and body replay the first answer"),
});

const METHODS = ["get", "post", "patch"] as const;

export interface RouteDoc {
  method: (typeof METHODS)[number];
  path: string;
}

/** The statuses every route of its kind may answer, besides its own. */
function commonStatuses(route: ProxyRoute): number[] {
  const validated = route.params || route.query || route.body;
  return [
    ...(validated ? [400] : []),
    ...(route.access === "public" ? [] : [401, 403]),
    ...(route.body ? [413] : []),
    429,
    503,
  ];
}

function registerProxyRoute(
  registry: OpenAPIRegistry,
  route: ProxyRoute,
  security: Record<string, string[]>[],
  errors: (...statuses: number[]) => ReturnType<typeof errorResponses>,
): void {
  const content: Record<string, { schema: z.ZodType }> = json(route.answer.schema);
  for (const [format, media] of Object.entries(route.streams ?? {}))
    content[media] = { schema: z.string().describe(`?format=${format}: the whole table, streamed`) };
  const headers = route.streamHeaders
    ? z.object(
        Object.fromEntries(Object.entries(route.streamHeaders).map(([h, d]) => [h, z.string().describe(d)])),
      )
    : undefined;
  const statuses = [...new Set([...commonStatuses(route), ...route.errors])].sort();
  registry.registerPath({
    method: route.method,
    path: route.path,
    tags: [route.tag],
    summary: route.access === "public" ? route.summary : `${route.summary} (${route.access})`,
    description: route.description,
    ...(route.access === "public" ? {} : { security }),
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(isOperatorWrite(route)
        ? {
            headers:
              route.idempotencyKey === "required" ? RequiredIdempotencyKeyHeader : IdempotencyKeyHeader,
          }
        : {}),
      ...(route.body ? { body: { content: json(route.body), required: true } } : {}),
    },
    responses: {
      [route.answer.status]: {
        description: route.answer.description,
        content,
        ...(headers ? { headers } : {}),
      },
      ...errors(...statuses),
    },
  });
}

export function buildOpenApiDocument(): {
  document: ReturnType<OpenApiGeneratorV31["generateDocument"]>;
  routes: RouteDoc[];
} {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "an operator or exchange API key",
  });
  const operator = [{ [bearer.name]: [] }];
  const errors = (...statuses: number[]) => errorResponses(ErrorSchema, statuses);

  registry.registerPath({
    method: "get",
    path: "/healthz",
    tags: ["system"],
    summary: "Liveness: 200 while the process runs",
    responses: { 200: { description: "alive", content: json(z.object({ status: z.literal("ok") })) } },
  });
  registry.registerPath({
    method: "get",
    path: "/readyz",
    tags: ["system"],
    summary: "Readiness: the gateway's own dependencies, and downstream services listed",
    responses: {
      200: { description: "ready", content: json(Readiness) },
      503: { description: "a critical dependency is down", content: json(Readiness) },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/metrics",
    tags: ["system"],
    summary: "Prometheus metrics",
    responses: {
      200: { description: "text exposition format", content: { "text/plain": { schema: z.string() } } },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/openapi.json",
    tags: ["system"],
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1", content: json(z.record(z.string(), z.unknown())) } },
  });
  registry.registerPath({
    method: "get",
    path: "/docs",
    tags: ["system"],
    summary: "Human-readable API reference",
    responses: { 200: { description: "HTML", content: { "text/html": { schema: z.string() } } } },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/api-keys",
    tags: ["api keys"],
    summary: "Create an API key (operator); the key is shown once",
    security: operator,
    request: { headers: IdempotencyKeyHeader, body: { content: json(CreateApiKeyBody), required: true } },
    responses: {
      201: { description: "created", content: json(CreatedApiKey) },
      ...errors(400, 401, 403, 409, 429),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/api-keys",
    tags: ["api keys"],
    summary: "List API keys (operator); secrets are never listed",
    security: operator,
    responses: {
      200: {
        description: "every key",
        content: json(z.object({ items: z.array(ApiKeyView), nextCursor: z.string().nullable() })),
      },
      ...errors(401, 403, 429),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/api-keys/{id}/revoke",
    tags: ["api keys"],
    summary: "Revoke an API key (operator; audit-logged)",
    security: operator,
    request: {
      params: z.object({ id: z.uuid() }),
      headers: IdempotencyKeyHeader,
      body: { content: json(RevokeApiKeyBody), required: true },
    },
    responses: {
      200: { description: "revoked", content: json(ApiKeyView) },
      ...errors(400, 401, 403, 404, 409, 429),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/speed/commands",
    tags: ["speed"],
    summary: "Submit a signed Speed command (authenticated by its signature)",
    description:
      "Shape, domain and signature are checked here; the command is forwarded verbatim to Kafka. " +
      "The signed message is the command's RFC 8785 canonical JSON, signed with TronWeb's signMessageV2.",
    request: {
      query: z.object({
        wait: z.coerce
          .number()
          .int()
          .min(0)
          .max(5000)
          .optional()
          .describe("ms to wait for the ledger's verdict"),
      }),
      body: { content: json(SignedSpeedCommand), required: true },
    },
    responses: {
      200: { description: "the ledger's verdict came within `wait`", content: json(CommandAnswer) },
      202: { description: "queued", content: json(CommandAnswer) },
      ...errors(400, 401, 413, 429, 503),
    },
  });

  for (const route of [...AIRDROP_ROUTES, ...SNAPSHOT_ROUTES, ...SPEED_LEDGER_ROUTES])
    registerProxyRoute(registry, route, operator, errors);
  registry.registerPath({
    method: "get",
    path: SPEED_THROUGHPUT_PATH,
    tags: ["speed"],
    summary: "Speed commands per second and acceptance latency over the last minute (operator)",
    description:
      "What this gateway instance saw (in memory, per instance): the commands it forwarded, the " +
      "ledger's verdicts on speed.events (every instance's commands) and how long `?wait` callers " +
      "waited for theirs.",
    security: operator,
    responses: {
      200: { description: "the figures", content: json(SpeedThroughputReport) },
      ...errors(401, 403, 429),
    },
  });
  registry.registerPath({
    method: "get",
    path: SPEED_EVENTS_PATH,
    tags: ["speed"],
    summary: "An account's speed.events as they happen (Server-Sent Events)",
    description:
      "Each event is `id: <envelope id>`, `event: <type>`, `data: <the envelope as JSON>`: every " +
      "event whose key, `payload.account` or an `effects[].account` is this address. Live only, " +
      "nothing is replayed: after a reconnect, re-read the account. A comment every " +
      `${SSE_HEARTBEAT_MS / 1000} s keeps the stream alive; a client that does not keep up is ` +
      "disconnected. 503 when this gateway has no room for another stream (per account or in all).",
    request: { params: AccountParams },
    responses: {
      200: {
        description: "the event stream",
        content: { "text/event-stream": { schema: z.string().describe("SSE frames") } },
      },
      ...errors(400, 429, 503),
    },
  });

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "BTT ecosystem backend — public API v1",
      version: "1.0.0",
      description:
        "Airdrops, entitlements and BitTorrent Speed payments on TRON. Amounts are decimal strings of base units.",
    },
  });
  const routes: RouteDoc[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      if ((item as Record<string, unknown>)[method]) routes.push({ method, path });
    }
  }
  return { document, routes };
}
