import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { DownstreamUrls } from "../src/app.js";

/** For tests that do not reach the internal services: nothing listens on port 1. */
export const UNREACHABLE_DOWNSTREAM: DownstreamUrls = {
  indexer: "http://127.0.0.1:1",
  airdrop: "http://127.0.0.1:1",
  speedLedger: "http://127.0.0.1:1",
};

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

/** A real HTTP server playing an internal service: it records what it receives and answers as told. */
export interface RecordingService {
  url: string;
  received: ReceivedRequest[];
  /** How to answer; the default is 200 `{"ok":true}`. */
  answer: Answer;
  close(): Promise<void>;
}

export const answerOk: Answer = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
};

export async function startRecordingService(): Promise<RecordingService> {
  const sockets = new Set<Socket>();
  const service: RecordingService = {
    url: "",
    received: [],
    answer: answerOk,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    service.received.push(received);
    await service.answer(received, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return service;
}

/** A port nothing listens on (taken, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
