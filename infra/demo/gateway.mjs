// The demo's only way into the system: the public gateway API (API.md), with the operator and
// exchange keys `npm start` created. JSON in and out; an error answer becomes a GatewayError that
// names the route, the status, the API error code and the request id (to find it in the logs).
import { setTimeout as sleep } from "node:timers/promises";

const REQUEST_TIMEOUT_MS = 15_000;
/** 429 and 503 carry Retry-After; these are retried, a few times, when the request is safe to repeat. */
const RETRIED_STATUSES = new Set([429, 503]);
const MAX_RETRIES = 5;

export class GatewayError extends Error {
  constructor(method, path, status, body) {
    const error = body?.error;
    const what = error ? `${error.code}: ${error.message}` : `HTTP ${status}`;
    super(`${method} ${path} → ${status} ${what}${error?.requestId ? ` (request ${error.requestId})` : ""}`);
    this.status = status;
    this.code = error?.code ?? null;
    this.body = body;
  }
}

/** The first key of a comma-separated list (BTT_OPERATOR_API_KEY may hold several). */
function firstKey(keys) {
  return String(keys).split(",")[0].trim();
}

export function createGatewayClient({ baseUrl, operatorKey, exchangeKey, signal }) {
  const keys = { operator: firstKey(operatorKey), exchange: firstKey(exchangeKey), public: null };

  /**
   * `as`: "operator", "exchange" or "public". `idempotencyKey` makes an operator POST safe to repeat.
   * `expect`: statuses answered without throwing (besides 2xx), e.g. [404].
   */
  async function request(method, path, { as = "public", body, idempotencyKey, expect = [] } = {}) {
    const headers = { accept: "application/json" };
    if (keys[as]) headers.authorization = `Bearer ${keys[as]}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const repeatable =
      method === "GET" || idempotencyKey !== undefined || path.startsWith("/v1/speed/commands");
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : null;
      if (response.ok || expect.includes(response.status)) return { status: response.status, body: parsed };
      if (repeatable && RETRIED_STATUSES.has(response.status) && attempt < MAX_RETRIES) {
        const retryAfterSeconds = Number(response.headers.get("retry-after") ?? 1);
        await sleep(Math.min(10, Math.max(1, retryAfterSeconds)) * 1000, undefined, { signal });
        continue;
      }
      throw new GatewayError(method, path, response.status, parsed);
    }
  }

  return {
    baseUrl,
    keys,
    get: (path, options) => request("GET", path, options).then((r) => r.body),
    post: (path, body, options) => request("POST", path, { ...options, body }),
    request,
  };
}
