import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { AppError, isAppError } from "@btt/shared/errors";
import { ErrorBody } from "@btt/shared/http";
import type { Logger } from "@btt/shared/logger";
import type { Response } from "express";
import { Pool } from "undici";

/**
 * Calls to the internal services the gateway fronts (airdrop, indexer). Every call has a deadline:
 * an unreachable or silent service becomes 503 UNAVAILABLE with Retry-After, never a hang. A
 * service's own error answer keeps its status, code, message and details; the request id stays
 * the gateway's. Streams are piped chunk by chunk, never held whole.
 *
 * JSON calls go through an undici connection pool (keep-alive, per service): ≈ 60 µs of CPU a
 * call where global fetch() costs ≈ 260 µs (its web streams, Request/Response objects and
 * AbortSignal.timeout), which was a fifth of the gateway's cost per proxied GET (bench/gateway).
 * Streams, rare and long, keep fetch() and its web stream piped into the answer.
 */

export interface DownstreamTimeouts {
  /** A read (GET, lookup): the whole JSON answer within this. */
  readMs: number;
  /** An operator action, which may write a whole payout batch. */
  writeMs: number;
  /** A stream's status and headers within this… */
  streamStartMs: number;
  /** …then never a longer silence between two chunks. */
  streamIdleMs: number;
}

export const DEFAULT_DOWNSTREAM_TIMEOUTS: DownstreamTimeouts = {
  readMs: 5_000,
  writeMs: 15_000,
  streamStartMs: 15_000,
  streamIdleMs: 60_000,
};
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Stream answer headers passed through; every other header is the gateway's own. */
const STREAM_HEADERS = ["content-type", "content-disposition", "x-merkle-root", "x-content-hash"];

export interface DownstreamRequest {
  method: "GET" | "POST" | "PATCH";
  /** Path and query on the service. */
  path: string;
  body?: unknown;
  requestId: string;
  /** The operator key acting (`X-Actor-Key-Id`); set only by the gateway, never by a client. */
  actorKeyId?: string;
  accept?: string;
}

class DownstreamTimeout extends Error {
  override name = "TimeoutError";
}

function unavailable(service: string, error: unknown): AppError {
  const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
  return new AppError(
    "UNAVAILABLE",
    timedOut ? `the ${service} service did not answer in time` : `the ${service} service is unreachable`,
    { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS, cause: error },
  );
}

/** What answeredError needs of a response, from fetch() or from the undici pool. */
interface ErrorAnswer {
  status: number;
  header(name: string): string | null;
  text(): Promise<string>;
}

const fetchAnswer = (response: globalThis.Response): ErrorAnswer => ({
  status: response.status,
  header: (name) => response.headers.get(name),
  text: () => response.text(),
});

/** The service's error answer as the gateway's own error; anything else means it is not healthy. */
async function answeredError(service: string, response: ErrorAnswer): Promise<AppError> {
  const text = await response.text();
  let parsed: ReturnType<typeof ErrorBody.safeParse> | undefined;
  try {
    parsed = ErrorBody.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    return new AppError("UNAVAILABLE", `the ${service} service answered ${response.status} unexpectedly`, {
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  }
  const { code, message, details } = parsed.data.error;
  const retryAfter = Number(response.header("retry-after") ?? Number.NaN);
  return new AppError(code, message, {
    details,
    retryAfterSeconds:
      Number.isSafeInteger(retryAfter) && retryAfter > 0
        ? retryAfter
        : code === "UNAVAILABLE"
          ? UNAVAILABLE_RETRY_AFTER_SECONDS
          : undefined,
  });
}

export interface DownstreamClient {
  readonly service: string;
  /** A JSON call: the service's 2xx status and parsed body, or its error as an AppError. */
  json(request: DownstreamRequest, timeoutMs: number): Promise<{ status: number; body: unknown }>;
  /** Pipes the service's answer (CSV, NDJSON) to `res` with its status and content headers. */
  stream(request: DownstreamRequest, res: Response, log: Logger): Promise<void>;
}

/** What every call to a service carries: who is asking, for whom, and in which format. */
function headersFor(request: DownstreamRequest): Record<string, string> {
  const headers: Record<string, string> = {
    accept: request.accept ?? "application/json",
    "x-request-id": request.requestId,
  };
  if (request.actorKeyId !== undefined) headers["x-actor-key-id"] = request.actorKeyId;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  return headers;
}

export function createDownstreamClient(
  service: string,
  baseUrl: string,
  timeouts: DownstreamTimeouts = DEFAULT_DOWNSTREAM_TIMEOUTS,
): DownstreamClient {
  const base = baseUrl.replace(/\/+$/, "");
  const origin = new URL(base);
  // The service's own path prefix, if its URL has one (`http://host/airdrop` → `/airdrop/rounds…`).
  const prefix = origin.pathname.replace(/\/+$/, "");
  const pool = new Pool(origin.origin, { connections: 64, keepAliveTimeout: 4_000 });

  async function send(request: DownstreamRequest, signal: AbortSignal): Promise<globalThis.Response> {
    const headers = headersFor(request);
    try {
      return await fetch(`${base}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: "error",
        signal,
      });
    } catch (error) {
      throw unavailable(service, error);
    }
  }

  return {
    service,

    async json(request, timeoutMs) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DownstreamTimeout()), timeoutMs);
      const headers = headersFor({ ...request, accept: "application/json" });
      try {
        let response: Awaited<ReturnType<Pool["request"]>>;
        try {
          response = await pool.request({
            method: request.method,
            path: `${prefix}${request.path}`,
            headers,
            body: request.body === undefined ? undefined : JSON.stringify(request.body),
            signal: controller.signal,
          });
        } catch (error) {
          throw unavailable(service, error);
        }
        const { statusCode, body } = response;
        if (statusCode < 200 || statusCode > 299) {
          throw await answeredError(service, {
            status: statusCode,
            header: (name) => {
              const value = response.headers[name];
              return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
            },
            text: () => body.text(),
          });
        }
        const text = await body.text();
        try {
          return { status: statusCode, body: JSON.parse(text) as unknown };
        } catch {
          throw new AppError("UNAVAILABLE", `the ${service} service answered something other than JSON`, {
            retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
          });
        }
      } catch (error) {
        throw isAppError(error) ? error : unavailable(service, error);
      } finally {
        clearTimeout(timer);
      }
    },

    async stream(request, res, log) {
      const controller = new AbortController();
      let timer = setTimeout(() => controller.abort(new DownstreamTimeout()), timeouts.streamStartMs);
      let clientGone = false;
      const onClose = () => {
        if (res.writableFinished) return;
        clientGone = true;
        controller.abort(new Error("the client went away"));
      };
      res.once("close", onClose);
      try {
        const response = await send(request, controller.signal);
        if (!response.ok) throw await answeredError(service, fetchAnswer(response));
        res.status(response.status);
        for (const name of STREAM_HEADERS) {
          const value = response.headers.get(name);
          if (value !== null) res.setHeader(name, value);
        }
        const rearm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => controller.abort(new DownstreamTimeout()), timeouts.streamIdleMs);
        };
        rearm();
        if (!response.body) {
          res.end();
          return;
        }
        await pipeline(
          Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
          async function* watchSilence(source: AsyncIterable<Uint8Array>) {
            for await (const chunk of source) {
              rearm();
              yield chunk;
            }
          },
          res,
        );
      } catch (error) {
        if (!res.headersSent) throw isAppError(error) ? error : unavailable(service, error);
        // Headers are out: the only honest signal left is a connection closed before the end.
        if (!clientGone) log.warn({ err: error, downstream: service }, "downstream stream broke off");
        res.destroy();
      } finally {
        clearTimeout(timer);
        res.off("close", onClose);
      }
    },
  };
}
