import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys (API.md "Auth"): roles `operator` (everything) and `exchange` (read-only airdrop data).
 * Only SHA-256 of a key is stored; a high-entropy key needs no slow hash. Keys are shown once.
 */
export const ROLES = ["operator", "exchange"] as const;
export type Role = (typeof ROLES)[number];

export const API_KEY_MIN_LENGTH = 24;
const KEY_PREFIX: Record<Role, string> = { operator: "op", exchange: "ex" };

export function generateApiKey(role: Role): string {
  return `${KEY_PREFIX[role]}_${randomBytes(32).toString("base64url")}`;
}

export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An operator may do everything; an exchange only what needs the exchange role. */
export function roleAllows(held: Role, required: Role): boolean {
  return held === "operator" || held === required;
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerKey(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
