import type { RequestHandler } from "express";
import type { ApiKeyRecord, ApiKeyRepository } from "../data/api-keys.js";
import { bearerKey, type Role } from "../domain/api-key.js";
import { authenticate } from "../use-cases/authenticate.js";

/** Requires a key with `role` (an operator key passes everywhere); sets `res.locals.apiKey`. */
export function requireRole(keys: ApiKeyRepository, role: Role): RequestHandler {
  return async (req, res, next) => {
    const apiKey = await authenticate(keys, bearerKey(req.header("authorization")), role);
    res.locals.apiKey = apiKey;
    req.log = req.log.child({ keyId: apiKey.id });
    next();
  };
}

/** The key that authenticated this request (set by requireRole). */
export function actingKey(locals: Record<string, unknown>): ApiKeyRecord {
  const apiKey = locals.apiKey as ApiKeyRecord | undefined;
  if (!apiKey) throw new Error("requireRole must run before this handler");
  return apiKey;
}
