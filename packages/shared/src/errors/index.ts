/**
 * Stable error codes. Domain code throws `AppError(code, message)`; the HTTP layer maps codes to
 * statuses in one table (`../http/status.ts`). Codes are part of the public contract (API.md):
 * never rename one, add new ones.
 */
export const ERROR_CODES = [
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "IDEMPOTENCY_KEY_REQUIRED",
  "UNAUTHENTICATED",
  "INVALID_SIGNATURE",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "NOTICE_PERIOD",
  "STALE_ROOT",
  "IDEMPOTENCY_MISMATCH",
  "ALREADY_APPROVED",
  "PAYLOAD_TOO_LARGE",
  "BUDGET_EXCEEDED",
  "INSUFFICIENT_FUNDS",
  "CAP_EXCEEDED",
  "DOMAIN_RULE",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  /** True when the same operation may succeed later (retry), false when it never will (dead-letter). */
  retryable?: boolean;
  /** Seconds after which a retry makes sense (RATE_LIMITED, UNAVAILABLE). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details ?? [];
    this.retryable = options.retryable ?? (code === "UNAVAILABLE" || code === "RATE_LIMITED");
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

/**
 * Transient failures (network, database restart, serialization conflict, busy node) are retried;
 * everything else is not. PostgreSQL classes: 08 connection, 57P admin shutdown, 53 resources,
 * 40001 serialization failure, 40P01 deadlock.
 */
export function isRetryable(error: unknown): boolean {
  if (isAppError(error)) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (TRANSIENT_NETWORK_CODES.has(code)) return true;
    if (/^(08|57P|53)/.test(code) || code === "40001" || code === "40P01") return true;
  }
  if ((error as { retriable?: unknown } | null)?.retriable === true) return true;
  if (
    error instanceof Error &&
    // node-postgres's own words for a lost connection: the socket ended, the pool could not
    // connect, or a query went to a client whose connection had already failed (or was closed)
    /Connection terminated|timeout exceeded when trying to connect|is not queryable/i.test(error.message)
  )
    return true;
  return false;
}

/**
 * Failures of the deployment, not of the input: the database lacks a table, column or schema
 * (class 42, e.g. a missing search_path or migration), refuses the role (28, 42501), names no such
 * database or schema (3D, 3F), or fails inside (58, XX). A consumer must never dead-letter a
 * message for these — every message would follow it — but retry until the deployment is fixed.
 */
export function isEnvironmentFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(42|28|3D|3F|58|XX)[0-9A-Z]{3}$/.test(code);
}

/** PostgreSQL's unique violation (23505): a row with that key exists, or a concurrent transaction inserted it. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
