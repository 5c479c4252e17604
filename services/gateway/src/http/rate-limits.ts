import { createHash } from "node:crypto";
import { AppError } from "@btt/shared/errors";
import type { RequestHandler } from "express";
import { ipKeyGenerator, type Options, rateLimit } from "express-rate-limit";
import { bearerKey } from "../domain/api-key.js";

export interface RateLimits {
  perIpPerMinute: number;
  perKeyPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perIpPerMinute: 1_200, perKeyPerMinute: 6_000 };
const WINDOW_MS = 60_000;
const UNMETERED = new Set(["/healthz", "/readyz", "/metrics"]);

function limited(what: string): Options["handler"] {
  return (req, _res, next, options) => {
    const info = (req as { rateLimit?: { resetTime?: Date } }).rateLimit;
    const seconds = info?.resetTime
      ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000))
      : Math.ceil(options.windowMs / 1000);
    next(
      new AppError("RATE_LIMITED", `too many requests ${what}; retry in ${seconds} s`, {
        retryAfterSeconds: seconds,
      }),
    );
  };
}

/**
 * Fixed-window limits per client IP and per API key (in memory, per gateway instance). A refusal
 * is 429 RATE_LIMITED in the API's error shape with Retry-After. Health, readiness and metrics
 * are never limited.
 */
export function rateLimiters(limits: RateLimits): RequestHandler[] {
  const skip = (req: { path: string }) => UNMETERED.has(req.path);
  const perIp = rateLimit({
    windowMs: WINDOW_MS,
    limit: limits.perIpPerMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    skip,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? "unknown"),
    handler: limited("from this address"),
  });
  const perKey = rateLimit({
    windowMs: WINDOW_MS,
    limit: limits.perKeyPerMinute,
    standardHeaders: false,
    legacyHeaders: false,
    skip: (req) => skip(req) || bearerKey(req.header("authorization")) === null,
    // A digest, so that no key sits in the limiter's memory in clear.
    keyGenerator: (req) =>
      createHash("sha256")
        .update(bearerKey(req.header("authorization")) ?? "")
        .digest("base64url"),
    handler: limited("with this API key"),
  });
  return [perIp, perKey];
}
