import type { Server } from "node:http";
import type { Express } from "express";
import { createLogger, type Logger } from "../logger/index.js";
import { listen } from "./serve.js";
import { createShutdown, type Shutdown } from "./shutdown.js";

export interface ServiceRuntime {
  logger: Logger;
  shutdown: Shutdown;
}

export interface StartHttpServiceOptions {
  service: string;
  port: number;
  host?: string;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** Composition: open resources (registering their close with `shutdown`) and return the app. */
  compose: (runtime: ServiceRuntime) => Promise<Express>;
}

/**
 * The common tail of every service's `main.ts`: one logger, signal handling with a hard timeout,
 * fatal-error logging, listen. What the service is made of stays in its own `main.ts`.
 */
export async function startHttpService(
  options: StartHttpServiceOptions,
): Promise<{ server: Server } & ServiceRuntime> {
  const logger = createLogger({ service: options.service, level: options.logLevel });
  const shutdown = createShutdown({ logger, timeoutMs: options.shutdownTimeoutMs });
  shutdown.installSignalHandlers();
  process.on("unhandledRejection", (reason) => {
    logger.fatal({ err: reason }, "unhandled promise rejection");
    void shutdown.run("unhandledRejection", true);
  });
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    void shutdown.run("uncaughtException", true);
  });
  try {
    const app = await options.compose({ logger, shutdown });
    const server = await listen(app, {
      port: options.port,
      logger,
      shutdown,
      ...(options.host ? { host: options.host } : {}),
    });
    return { server, logger, shutdown };
  } catch (error) {
    logger.fatal({ err: error }, "failed to start");
    await shutdown.run("startup failure", true);
    throw error;
  }
}
