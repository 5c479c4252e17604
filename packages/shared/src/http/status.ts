import type { ErrorCode } from "../errors/index.js";

/** The one table that maps stable error codes to HTTP statuses (API.md "Errors"). */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  INVALID_SIGNATURE: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NOTICE_PERIOD: 409,
  STALE_ROOT: 409,
  IDEMPOTENCY_MISMATCH: 409,
  ALREADY_APPROVED: 409,
  PAYLOAD_TOO_LARGE: 413,
  BUDGET_EXCEEDED: 422,
  INSUFFICIENT_FUNDS: 422,
  CAP_EXCEEDED: 422,
  DOMAIN_RULE: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS_BY_CODE[code];
}
