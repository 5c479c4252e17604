// The public /v1 API, same origin, with the session's API key as a bearer token.

const KEY_STORAGE = "btt-console-key";
const ROLE_STORAGE = "btt-console-role";

export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  get role() {
    return sessionStorage.getItem(ROLE_STORAGE);
  },
  save(key, role) {
    sessionStorage.setItem(KEY_STORAGE, key);
    sessionStorage.setItem(ROLE_STORAGE, role);
  },
  clear() {
    sessionStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(ROLE_STORAGE);
  },
};

/** Called when the key stops working (revoked): the app logs out. */
let onUnauthenticated = () => {};
export const whenUnauthenticated = (handler) => {
  onUnauthenticated = handler;
};

async function call(method, path, { key = session.key, body, accept = "application/json", headers } = {}) {
  const init = { method, headers: { Accept: accept, ...headers } };
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, "NETWORK", `the gateway did not answer (${error.message})`);
  }
  if (res.ok) return accept === "text/csv" ? res.text() : res.json();
  const payload = await res.json().catch(() => null);
  const error = payload?.error;
  throw new ApiError(
    res.status,
    error?.code ?? `HTTP_${res.status}`,
    error?.message ?? res.statusText,
    error?.requestId ?? res.headers.get("x-request-id"),
  );
}

/** GET; a 401 with the session's key logs out (the key was revoked or is wrong). */
export async function get(path, options = {}) {
  try {
    return await call("GET", path, options);
  } catch (error) {
    if (error.status === 401 && options.key === undefined) onUnauthenticated();
    throw error;
  }
}

/** An operator POST, made retry-safe with a fresh Idempotency-Key. */
export function post(path, body) {
  return call("POST", path, { body, headers: { "Idempotency-Key": crypto.randomUUID() } });
}

export const getCsv = (path) => get(path, { accept: "text/csv" });

/**
 * Which role a key has, by probing an operator-only route: 200 operator, 403 exchange,
 * 401 not a valid key (the error propagates).
 */
export async function detectRole(key) {
  try {
    await call("GET", "/v1/api-keys", { key });
    return "operator";
  } catch (error) {
    if (error.status === 403) return "exchange";
    throw error;
  }
}

/** Every page of a paged route, up to `max` items. */
export async function getAll(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(
      `${path}${sep}limit=${Math.min(1000, max)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
