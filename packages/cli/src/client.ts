import { randomUUID } from "node:crypto";
import { ApiError, type ApiErrorBody, GatewayUnreachableError } from "./errors.js";

/**
 * The gateway's HTTP API over Node's fetch. Every failure becomes a CliError: the API's error body
 * as ApiError, anything below HTTP (refused, reset, DNS, timeout) as GatewayUnreachableError.
 * Reads are retried a few times on 429/503 (they carry Retry-After); writes never are.
 */

export const REQUEST_TIMEOUT_MS = 30_000;
const READ_ATTEMPTS = 3;
const MAX_RETRY_WAIT_MS = 5_000;

export interface ClientOptions {
  gatewayUrl: string;
  apiKey?: string | undefined;
  timeoutMs?: number;
}

export type Query = Record<string, string | number | undefined>;

export class GatewayClient {
  readonly gatewayUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.gatewayUrl = options.gatewayUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const sent = await this.send("GET", this.url(path, query), { accept: "application/json" });
      const wait = retryWaitMs(sent.response);
      if (wait !== null && attempt < READ_ATTEMPTS) {
        sent.done();
        await sent.response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      return this.json<T>(sent);
    }
  }

  /** Operator POSTs carry a fresh Idempotency-Key, so the gateway can tell a replay from a new action. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const sent = await this.send(
      "POST",
      this.url(path),
      { accept: "application/json", "content-type": "application/json", "idempotency-key": randomUUID() },
      JSON.stringify(body),
    );
    return this.json<T>(sent);
  }

  /** The response body as a stream (for CSV exports); the timeout covers only the headers. */
  async stream(path: string, accept: string): Promise<ReadableStream<Uint8Array>> {
    const { response, done } = await this.send("GET", this.url(path), { accept });
    if (!response.ok) {
      const error = await toApiError(response);
      done();
      throw error;
    }
    done();
    if (!response.body) throw new ApiError(response.status, { code: "EMPTY_BODY", message: "no body" });
    return response.body;
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(this.gatewayUrl + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /**
   * One request under the timeout. The caller ends the timer (`done`) once it has read what it
   * needs: the whole JSON body, or only the headers of a stream.
   */
  private async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ response: Response; done: () => void }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("timed out")), this.timeoutMs);
    const done = () => clearTimeout(timer);
    try {
      const response = await fetch(url, {
        method,
        headers: this.apiKey ? { ...headers, authorization: `Bearer ${this.apiKey}` } : headers,
        body,
        signal: controller.signal,
      });
      return { response, done };
    } catch (error) {
      done();
      throw new GatewayUnreachableError(this.gatewayUrl, networkCause(error));
    }
  }

  private async json<T>({ response, done }: { response: Response; done: () => void }): Promise<T> {
    let text: string;
    try {
      if (!response.ok) throw await toApiError(response);
      text = await response.text();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new GatewayUnreachableError(this.gatewayUrl, networkCause(error));
    } finally {
      done();
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, {
        code: "MALFORMED_RESPONSE",
        message: `the gateway answered ${response.status} with a body that is not JSON`,
      });
    }
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: ApiErrorBody };
    if (parsed.error && typeof parsed.error.code === "string")
      return new ApiError(response.status, parsed.error);
  } catch {
    // not the API's error shape (a proxy's page?): reported below with its start
  }
  return new ApiError(response.status, {
    code: `HTTP_${response.status}`,
    message: text.trim().slice(0, 200) || response.statusText || "no body",
  });
}

function retryWaitMs(response: Response): number | null {
  if (response.status !== 429 && response.status !== 503) return null;
  const seconds = Number(response.headers.get("retry-after") ?? "1");
  return Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, MAX_RETRY_WAIT_MS);
}

/** fetch rejects with TypeError("fetch failed") and the socket error as its cause. */
function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
