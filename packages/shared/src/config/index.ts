import { z } from "zod";
import { isBase58Address } from "../tron/address.js";

/**
 * Environment configuration. Each service declares one zod object whose keys are the environment
 * variable names; `loadConfig` validates all of them at once and reports every bad or missing
 * variable together, each with a hint taken from the field's `.describe()` text.
 */

export interface ConfigProblem {
  variable: string;
  problem: string;
  hint: string | undefined;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(service: string, problems: ConfigProblem[]) {
    const lines = problems.map(
      (p) => `  - ${p.variable}: ${p.problem}${p.hint ? `\n      hint: ${p.hint}` : ""}`,
    );
    super(
      `Invalid configuration for ${service} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

export function loadConfig<Schema extends z.ZodObject>(
  service: string,
  schema: Schema,
  env: Env = process.env,
): z.output<Schema> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable means "not set", as shells and compose files usually intend.
    input[key] = value === undefined || value === "" ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue): ConfigProblem => {
    const variable = String(issue.path[0] ?? "(config)");
    const field = schema.shape[variable] as z.ZodType | undefined;
    const received = input[variable];
    const problem =
      received === undefined
        ? `missing (${issue.message})`
        : `${JSON.stringify(received.slice(0, 80))}: ${issue.message}`;
    return { variable, problem, hint: field?.description };
  });
  throw new ConfigError(service, problems);
}

/**
 * For `main.ts`: load the config or print every problem and exit with EX_CONFIG (78), no stack
 * trace — a misconfigured service should say what to fix, not crash.
 */
export function loadConfigOrExit<Schema extends z.ZodObject>(
  service: string,
  schema: Schema,
  env: Env = process.env,
): z.output<Schema> {
  try {
    return loadConfig(service, schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

// ---- Reusable field types. Each carries its hint. ----

export function port(defaultPort: number, hint: string) {
  return z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(defaultPort)
    .describe(hint);
}

export function postgresUrl(hint = "a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/btt") {
  return z
    .string({ error: "is required" })
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, "must be a postgres:// or postgresql:// URL with a host")
    .describe(hint);
}

const HOST_PORT_PATTERN = /^[A-Za-z0-9.-]+:[0-9]{1,5}$|^\[[0-9a-fA-F:]+\]:[0-9]{1,5}$/;

export function kafkaBrokers(hint = "comma-separated host:port list, e.g. 127.0.0.1:9092") {
  return z
    .string({ error: "is required" })
    .transform((value) =>
      value
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.length > 0 && list.every((b) => HOST_PORT_PATTERN.test(b)),
      "must be host:port[,host:port…]",
    )
    .describe(hint);
}

export function httpUrl(hint: string) {
  return z
    .string({ error: "is required" })
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === "http:" || url.protocol === "https:";
      } catch {
        return false;
      }
    }, "must be an http:// or https:// URL")
    .transform((value) => value.replace(/\/+$/, ""))
    .describe(hint);
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function logLevel() {
  return z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info")
    .describe("pino log level");
}

export function positiveInt(defaultValue: number, hint: string) {
  return z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .positive("must be positive")
    .default(defaultValue)
    .describe(hint);
}

export function booleanFlag(defaultValue: boolean, hint: string) {
  return z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default(defaultValue ? "true" : "false")
    .transform((value) => value === "true" || value === "1")
    .describe(hint);
}

/** A comma-separated list of base58 TRON addresses (empty by default). */
export function tronAddressList(hint: string) {
  return z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every(isBase58Address), {
      error: "must be base58 TRON addresses (T…), comma-separated",
    })
    .describe(hint);
}

/** The variables every service reads. */
export const commonEnv = {
  DATABASE_URL: postgresUrl(),
  KAFKA_BROKERS: kafkaBrokers(),
  LOG_LEVEL: logLevel(),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, "hard limit for a graceful shutdown, in ms"),
};
