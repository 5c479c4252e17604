import { parseInput } from "@btt/shared/http";
import type { Express, Response } from "express";
import type { AccountEventHub, EventSink } from "../messaging/account-events.js";
import { NoQuery } from "./common-schemas.js";
import { AccountParams } from "./speed-schemas.js";

export const SPEED_EVENTS_PATH = "/v1/speed/accounts/{address}/events";
/** A comment this often keeps proxies and clients from taking a quiet stream for a dead one. */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * Bytes a stream may have waiting (in the response and its socket) before a new frame. A client
 * that reads slower than its account's events arrive is cut off here, so it can never make the
 * gateway buffer without bound; it reconnects and re-reads its account.
 */
export const SSE_MAX_BUFFERED_BYTES = 64 * 1024;
/** What an EventSource waits before reconnecting after the stream ends. */
export const SSE_RETRY_MS = 3_000;

export interface SpeedEventsDeps {
  hub: AccountEventHub;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
}

function responseSink(res: Response, maxBufferedBytes: number): EventSink {
  return {
    write(frame) {
      if (res.destroyed || res.writableEnded) return false;
      if (res.writableLength + Buffer.byteLength(frame) > maxBufferedBytes) return false;
      res.write(frame);
      return true;
    },
    close(graceful) {
      if (graceful && !res.destroyed) res.end();
      else res.destroy();
    },
  };
}

/** `GET /v1/speed/accounts/{address}/events`: the account's `speed.events` as they arrive (SSE). */
export function mountSpeedEventsRoute(app: Express, deps: SpeedEventsDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const maxBufferedBytes = deps.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES;
  app.get("/v1/speed/accounts/:address/events", (req, res) => {
    const { address } = parseInput(AccountParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    if (res.destroyed) return; // the client left while the request was on its way
    const sink = responseSink(res, maxBufferedBytes);
    // Subscribing first: a full hub is still a plain 503 in the error shape, before any header.
    const unsubscribe = deps.hub.subscribe(address, sink);
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.status(200).set({
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    res.write(`retry: ${SSE_RETRY_MS}\n\n`);
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    const heartbeat = setInterval(() => {
      if (!deps.hub.send(address, sink, ": heartbeat\n\n")) stop();
    }, heartbeatMs);
    res.once("close", stop);
  });
}
