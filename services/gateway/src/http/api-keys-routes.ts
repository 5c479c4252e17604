import { parseInput } from "@btt/shared/http";
import { type Express, Router } from "express";
import { z } from "zod";
import type { ApiKeyRecord, ApiKeyRepository } from "../data/api-keys.js";
import { recordAudit } from "../data/audit-log.js";
import type { PrismaClient } from "../data/prisma.js";
import { ROLES } from "../domain/api-key.js";
import { createApiKey, revokeApiKey } from "../use-cases/manage-api-keys.js";
import { actingKey, requireRole } from "./auth.js";
import { idempotency } from "./idempotency.js";

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES),
  })
  .strict();

export const RevokeApiKeyBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

const KeyIdParam = z.object({ id: z.uuid({ error: "must be an API key id (UUID)" }) });

function view(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    createdAt: record.createdAt.toISOString(),
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

/** Operator routes to create, list and revoke API keys (the key itself is shown once, at creation). */
export function mountApiKeyRoutes(
  app: Express,
  deps: { prisma: PrismaClient; keys: ApiKeyRepository },
): void {
  const router = Router();
  router.use(requireRole(deps.keys, "operator"));

  router.post("/", idempotency(deps.prisma), async (req, res) => {
    const body = parseInput(CreateApiKeyBody, req.body, "body");
    const created = await createApiKey(deps.keys, body);
    await recordAudit(deps.prisma, {
      keyId: actingKey(res.locals).id,
      action: "api-key.create",
      target: created.id,
      reason: `${body.role} key "${body.name}"`,
      requestId: req.id,
    });
    res.status(201).json({ ...view(created), key: created.key });
  });

  router.get("/", async (_req, res) => {
    res.json({ items: (await deps.keys.list()).map(view), nextCursor: null });
  });

  router.post("/:id/revoke", idempotency(deps.prisma), async (req, res) => {
    const { id } = parseInput(KeyIdParam, req.params, "path");
    const { reason } = parseInput(RevokeApiKeyBody, req.body, "body");
    const acting = actingKey(res.locals);
    const revoked = await revokeApiKey(deps.keys, id, acting.id, new Date());
    await recordAudit(deps.prisma, {
      keyId: acting.id,
      action: "api-key.revoke",
      target: id,
      reason,
      requestId: req.id,
    });
    res.json(view(revoked));
  });

  app.use("/v1/api-keys", router);
}
