import { type AppError, isAppError } from "@btt/shared/errors";
import { parseInput } from "@btt/shared/http";
import type { Express, Request, RequestHandler } from "express";
import type { z } from "zod";
import type { ApiKeyRepository } from "../data/api-keys.js";
import type { PrismaClient } from "../data/prisma.js";
import type { Role } from "../domain/api-key.js";
import { actingKey, requireRole } from "./auth.js";
import { NoQuery } from "./common-schemas.js";
import type { DownstreamClient, DownstreamRequest, DownstreamTimeouts } from "./downstream-client.js";
import { idempotency } from "./idempotency.js";

/**
 * A public v1 route that fronts an internal service, declared once: the same declaration mounts
 * the Express handler (auth → idempotency → zod validation → downstream call) and registers the
 * OpenAPI operation, so the document cannot drift from what is served. `/v1/x…` maps to `/x…` on
 * the service (or, mounted with a longer public prefix, `/v1/speed/x…` to `/x…`), with the
 * validated (normalised) path, query and body.
 */
export interface ProxyRoute {
  method: "get" | "post" | "patch";
  /** OpenAPI form: `/v1/rounds/{id}`. */
  path: string;
  /** `public`, or the least role that may call it (an operator key passes everywhere). */
  access: "public" | Role;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  answer: { status: 200 | 201 | 202; description: string; schema: z.ZodType };
  /** Streamed alternatives of a GET, by `?format=` value → media type (also chosen by Accept). */
  streams?: Record<string, string>;
  /** Headers a streamed answer carries, → their meaning. */
  streamHeaders?: Record<string, string>;
  /** Statuses the service may answer besides the common ones (400, 401, 403, 429, 503). */
  errors: number[];
  /** An operator write that refuses to run without `Idempotency-Key` (400 IDEMPOTENCY_KEY_REQUIRED). */
  idempotencyKey?: "required";
  /** A call that may take as long as an operator action (a whole-ledger check), though it is a GET. */
  deadline?: "write";
  /** The body the service gets, built from the validated one and who is acting (default: as is). */
  downstreamBody?: (body: unknown, acting: ActingRequest) => unknown;
  /** What to answer instead of the service's error when the gateway knows better; else the error stands. */
  recover?: (
    error: AppError,
    params: Record<string, unknown>,
  ) => { status: number; body: unknown } | undefined;
}

/** Who sent a request, as far as a route's `downstreamBody` may need it. */
export interface ActingRequest {
  /** The operator key's id (operator routes only). */
  actorKeyId: string | undefined;
  /** The request's `Idempotency-Key`, when it has one. */
  idempotencyKey: string | undefined;
}

export interface ProxyDeps {
  keys: ApiKeyRepository;
  prisma: PrismaClient;
  timeouts: DownstreamTimeouts;
}

/** Operator writes take `Idempotency-Key` (API.md "Idempotency"). */
export function isOperatorWrite(route: ProxyRoute): boolean {
  return route.access === "operator" && route.method !== "get";
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

function downstreamPath(
  route: ProxyRoute,
  publicPrefix: string,
  params: Record<string, unknown>,
  query: Record<string, unknown>,
) {
  const path = route.path
    .slice(publicPrefix.length)
    .replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name])));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** `?format=` wins; else the Accept header; else JSON. */
function chosenFormat(req: Request, route: ProxyRoute, format: unknown): string {
  if (typeof format === "string") return format;
  const streams = Object.entries(route.streams ?? {});
  const accepted = req.accepts(["application/json", ...streams.map(([, media]) => media)]);
  return streams.find(([, media]) => media === accepted)?.[0] ?? "json";
}

function handler(
  route: ProxyRoute,
  client: DownstreamClient,
  deps: ProxyDeps,
  publicPrefix: string,
): RequestHandler {
  return async (req, res) => {
    const params = route.params ? parseInput(route.params, req.params, "path") : {};
    const { format, ...query } = parseInput(route.query ?? NoQuery, req.query, "query") as Record<
      string,
      unknown
    >;
    const parsed = route.body ? parseInput(route.body, req.body, "body") : undefined;
    const base = {
      requestId: req.id,
      actorKeyId: route.access === "operator" ? actingKey(res.locals).id : undefined,
    };
    const body = route.downstreamBody
      ? route.downstreamBody(parsed, {
          actorKeyId: base.actorKeyId,
          idempotencyKey: req.header("idempotency-key"),
        })
      : parsed;
    const chosen = chosenFormat(req, route, format);
    const media = route.streams?.[chosen];
    if (media) {
      const path = downstreamPath(route, publicPrefix, params, { format: chosen });
      await client.stream({ ...base, method: "GET", path, accept: media }, res, req.log);
      return;
    }
    const write = route.deadline === "write" || (route.method !== "get" && route.access === "operator");
    const answer = await client
      .json(
        {
          ...base,
          method: route.method.toUpperCase() as DownstreamRequest["method"],
          path: downstreamPath(route, publicPrefix, params, query),
          body,
        },
        write ? deps.timeouts.writeMs : deps.timeouts.readMs,
      )
      .catch((error: unknown) => {
        const instead = route.recover && isAppError(error) ? route.recover(error, params) : undefined;
        if (!instead) throw error;
        return instead;
      });
    res.status(answer.status).json(answer.body);
  };
}

export function mountProxyRoutes(
  app: Express,
  routes: readonly ProxyRoute[],
  client: DownstreamClient,
  deps: ProxyDeps,
  /** What the service's paths leave out of the public ones. */
  publicPrefix = "/v1",
): void {
  for (const route of routes) {
    if (!route.path.startsWith(`${publicPrefix}/`))
      throw new Error(`${route.path} is not under ${publicPrefix}: it cannot be mapped to the service`);
    const chain: RequestHandler[] = [];
    if (route.access !== "public") chain.push(requireRole(deps.keys, route.access));
    if (isOperatorWrite(route))
      chain.push(idempotency(deps.prisma, { required: route.idempotencyKey === "required" }));
    chain.push(handler(route, client, deps, publicPrefix));
    app[route.method](expressPath(route.path), ...chain);
  }
}
