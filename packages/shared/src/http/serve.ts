import type { Server } from "node:http";
import type { Express } from "express";
import type { Logger } from "../logger/index.js";
import type { Shutdown } from "./shutdown.js";

export interface ListenOptions {
  port: number;
  host?: string;
  logger: Logger;
  shutdown: Shutdown;
}

/** Listens and registers the server's close as the first shutdown step (stop taking requests). */
export async function listen(app: Express, options: ListenOptions): Promise<Server> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? "0.0.0.0", (error?: Error) => {
      if (error) reject(error);
      else resolve(s);
    });
    s.once("error", reject);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  options.logger.info({ port: options.port }, "listening");
  options.shutdown.add("http-server", async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  });
  return server;
}
