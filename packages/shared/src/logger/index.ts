import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/** Keys whose values are secrets wherever they appear in a log object. */
export const REDACTED_PATHS = [
  "privateKey",
  "*.privateKey",
  "apiKey",
  "*.apiKey",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "req.headers.authorization",
  "headers.authorization",
  "secret",
  "*.secret",
];

export interface CreateLoggerOptions {
  service: string;
  level?: string;
  /** Destination stream (tests pass one to read what was logged). */
  destination?: pino.DestinationStream;
}

/** One pino logger per process; children add `requestId`, `roundId`, `topic`… (STYLE.md). */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? "info",
    base: { service: options.service, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
