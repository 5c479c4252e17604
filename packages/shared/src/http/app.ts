import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { ZodError } from "zod";
import { AppError, isAppError } from "../errors/index.js";
import type { Logger } from "../logger/index.js";
import { errorBody } from "./error-body.js";
import type { HttpMetrics } from "./metrics.js";
import { evaluateReadiness, type ReadinessCheck } from "./readiness.js";
import { httpStatusFor } from "./status.js";
import { zodIssuesToDetails } from "./validate.js";

declare global {
  // biome-ignore lint/suspicious/noRedeclare: Express's documented way to type request extensions.
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/** Deeper JSON is refused before parsing: recursive code (stringify, hashing, zod) would overflow. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in a JSON text (strings and escapes skipped). */
export function jsonDepth(text: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
  if (jsonDepth(body) > MAX_JSON_DEPTH) {
    throw Object.assign(new Error(`the request body is nested deeper than ${MAX_JSON_DEPTH} levels`), {
      type: "entity.too.deep",
    });
  }
}
const INCOMING_REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateHttpAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  readiness?: readonly ReadinessCheck[];
  bodyLimitBytes?: number;
  /** Set when behind a reverse proxy, so `req.ip` is the client's. */
  trustProxy?: boolean | number | string;
  /** Middleware run on every request before any route (security headers, rate limits). */
  middleware?: RequestHandler[];
}

/**
 * The Express app every service starts from: request ids, access log, metrics, a strict JSON
 * body parser with a size limit, `/healthz`, `/readyz`, `/metrics`. Add routes, then call
 * `finishHttpApp(app)` to install the 404 and the error middleware.
 */
export function createHttpApp(options: CreateHttpAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  app.set("query parser", "simple");

  app.use(requestContext(options.logger, options.metrics));
  for (const handler of options.middleware ?? []) app.use(handler);
  app.use(
    express.json({
      limit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      strict: true,
      type: ["application/json", "application/*+json"],
      verify: refuseDeepJson,
    }),
  );

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const report = await evaluateReadiness(options.readiness ?? []);
    res.status(report.status === "ready" ? 200 : 503).json(report);
  });
  app.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  return app;
}

function requestContext(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header("x-request-id");
    req.id = incoming && INCOMING_REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader("X-Request-Id", req.id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route
        ? `${req.baseUrl}${String(req.route.path)}`
        : res.statusCode === 404
          ? "unmatched"
          : req.path;
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      if (route !== "/healthz" && route !== "/readyz" && route !== "/metrics") {
        req.log.info(
          {
            method: req.method,
            url: req.originalUrl,
            status: res.statusCode,
            durationMs: Math.round(seconds * 1000),
          },
          "request",
        );
      }
    });
    next();
  };
}

/** Installs the 404 handler and the central error middleware. Call after the last route. */
export function finishHttpApp(app: Express): Express {
  app.use((req, _res, next) => {
    next(new AppError("NOT_FOUND", `no route for ${req.method} ${req.path}`));
  });
  app.use(errorMiddleware);
  return app;
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof ZodError) {
    return new AppError("VALIDATION_FAILED", "invalid request", { details: zodIssuesToDetails(error) });
  }
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case "entity.parse.failed":
      return new AppError(
        "MALFORMED_JSON",
        "the request body is not valid JSON (an object or array is expected)",
      );
    case "entity.too.large":
      return new AppError(
        "PAYLOAD_TOO_LARGE",
        `the request body is larger than ${parserError.limit ?? "the limit of"} bytes`,
      );
    case "entity.too.deep":
      return new AppError("VALIDATION_FAILED", parserError.message);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("VALIDATION_FAILED", "the request body must be UTF-8 JSON");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new AppError("VALIDATION_FAILED", parserError.message);
    default:
      if (typeof parserError?.status === "number" && parserError.status >= 400 && parserError.status < 500) {
        return new AppError("VALIDATION_FAILED", parserError.message);
      }
      return new AppError("INTERNAL", "internal error", { cause: error });
  }
}

export const errorMiddleware: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  const status = httpStatusFor(appError.code);
  const requestId = req.id ?? randomUUID();
  if (status >= 500 && appError.code !== "UNAVAILABLE") {
    req.log?.error({ err: error }, "unhandled error");
  } else {
    req.log?.debug({ code: appError.code, message: appError.message }, "request failed");
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (appError.retryAfterSeconds !== undefined || status === 429 || status === 503) {
    res.setHeader("Retry-After", String(appError.retryAfterSeconds ?? 1));
  }
  const message = status === 500 ? "internal error" : appError.message;
  res.status(status).json(errorBody(appError.code, message, requestId, appError.details));
};
