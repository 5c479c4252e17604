import { createHash } from "node:crypto";
import { AppError } from "@btt/shared/errors";
import type { RequestHandler } from "express";
import type { PrismaClient } from "../data/prisma.js";
import { actingKey } from "./auth.js";

/** Status stored while the first request with a key is still being answered. */
const IN_PROGRESS = 0;
/** A claim older than this was left by a crashed instance: it may be taken over. */
const ABANDONED_AFTER_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

function requestHash(method: string, path: string, body: unknown): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    createHash("sha256")
      .update(`${method} ${path}\n`)
      .update(JSON.stringify(body ?? null))
      .digest(),
  );
}

/**
 * `Idempotency-Key` on operator POSTs (API.md "Idempotency"): a retry with the same key and body
 * gets the first response again (`Idempotency-Replayed: true`); the same key with another body is
 * 409 IDEMPOTENCY_MISMATCH; a retry while the first is still running is 409 CONFLICT. Keys are
 * scoped to the API key that sent them. Responses of 5xx are not kept, so such a request can be
 * retried. Runs after `requireRole`.
 */
export function idempotency(prisma: PrismaClient, options: { required?: boolean } = {}): RequestHandler {
  return async (req, res, next) => {
    const key = req.header("idempotency-key");
    if (key === undefined) {
      if (options.required)
        throw new AppError("IDEMPOTENCY_KEY_REQUIRED", "this route needs an Idempotency-Key header");
      next();
      return;
    }
    if (!KEY_PATTERN.test(key)) {
      throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1 to 200 printable characters", {
        details: [{ path: "Idempotency-Key", message: "1 to 200 printable ASCII characters" }],
      });
    }
    const keyId = actingKey(res.locals).id;
    const hash = requestHash(req.method, req.originalUrl, req.body);
    const where = { keyId_key: { keyId, key } };
    const claim = () =>
      prisma.idempotencyKey.createMany({
        data: [{ keyId, key, requestHash: hash, status: IN_PROGRESS, responseBody: {} }],
        skipDuplicates: true,
      });
    let claimed = await claim();
    if (claimed.count === 0) {
      await prisma.idempotencyKey.deleteMany({
        where: {
          keyId,
          key,
          status: IN_PROGRESS,
          createdAt: { lt: new Date(Date.now() - ABANDONED_AFTER_MS) },
        },
      });
      claimed = await claim();
    }
    if (claimed.count === 0) {
      const first = await prisma.idempotencyKey.findUnique({ where });
      if (!first || !Buffer.from(first.requestHash).equals(Buffer.from(hash))) {
        throw new AppError("IDEMPOTENCY_MISMATCH", "this Idempotency-Key was used with another request");
      }
      if (first.status === IN_PROGRESS)
        throw new AppError("CONFLICT", "a request with this Idempotency-Key is still in progress");
      res.setHeader("Idempotency-Replayed", "true");
      res.status(first.status).json(first.responseBody);
      return;
    }
    // Capture the JSON answer, then keep it (or release the key when the answer is a 5xx).
    let body: unknown = null;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      body = value;
      return json(value);
    };
    res.once("finish", () => {
      const done =
        res.statusCode >= 500
          ? prisma.idempotencyKey.delete({ where })
          : prisma.idempotencyKey.update({
              where,
              data: { status: res.statusCode, responseBody: body ?? {} },
            });
      done.catch((error: unknown) =>
        req.log.error({ err: error }, "could not record the idempotent response"),
      );
    });
    next();
  };
}
