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
  /** Destination stream (tests pass one to read what was logged); default: stdout, buffered. */
  destination?: pino.DestinationStream;
}

/** Standard output's buffer: written when it holds this much… */
const STDOUT_BUFFER_BYTES = 4096;
/** …or this long after a line, whichever comes first. */
const STDOUT_FLUSH_MS = 250;

/**
 * Standard output written asynchronously in batches instead of one write(2) per line: a service
 * logs a line per request, and that system call was a measurable share of a request's CPU
 * (bench/gateway). Nothing waits longer than STDOUT_FLUSH_MS; at exit (including a fatal error's
 * shutdown) pino flushes what is left synchronously. Only a SIGKILL can lose the last lines.
 */
function bufferedStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: STDOUT_BUFFER_BYTES });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      clearInterval(timer); // destroyed (EPIPE, closed): nothing left to flush
    }
  }, STDOUT_FLUSH_MS);
  timer.unref();
  return destination;
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
  return pino(config, options.destination ?? bufferedStdout());
}
