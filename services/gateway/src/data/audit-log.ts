import type { PrismaClient } from "./prisma.js";

export interface AuditEntry {
  keyId: string | null;
  action: string;
  target: string | null;
  reason: string | null;
  requestId: string;
}

/** Every operator action through the gateway: who (key id), when, what, why. */
export async function recordAudit(prisma: PrismaClient, entry: AuditEntry): Promise<void> {
  await prisma.auditLog.create({ data: entry });
}
