import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { Io } from "../src/command.js";

/**
 * A real HTTP server answering fixed JSON, standing in for the gateway in unit tests: each route
 * is `"METHOD /path"` → a handler; every request is recorded.
 */

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (req: Recorded, res: ServerResponse) => void;

export interface FakeGateway {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function apiError(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message, details: [], requestId: "test" } });
}

export async function startFakeGateway(routes: Record<string, Handler>): Promise<FakeGateway> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      const pathname = new URL(recorded.path, "http://x").pathname;
      const handler = routes[`${recorded.method} ${pathname}`];
      if (handler) handler(recorded, res);
      else apiError(res, 404, "NOT_FOUND", `no route ${recorded.method} ${pathname}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An Io whose stdout and stderr are captured as text. */
export function captureIo(env: NodeJS.ProcessEnv = {}, isTTY = false): Io & { out(): string; err(): string } {
  const sink = () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
  };
  const stdout = sink();
  const stderr = sink();
  return { stdout: stdout.stream, stderr: stderr.stream, env, isTTY, out: stdout.text, err: stderr.text };
}
