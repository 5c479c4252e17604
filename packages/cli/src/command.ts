import type { GatewayClient } from "./client.js";
import { type ExitCode, UsageError } from "./errors.js";

/** What a command sees: the client, its arguments and where to write. */

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** stdout is a terminal: `rounds watch` redraws one line instead of printing one per change */
  isTTY: boolean;
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** shown without brackets in usage; the command checks it (parseArgs has no required options) */
  required?: boolean;
  /** shown in help; for string options the first word is the value's name ("<ms> …") */
  description: string;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Context {
  client: GatewayClient;
  io: Io;
  json: boolean;
  args: string[];
  options: OptionValues;
  /** a line (or block) on stdout */
  print(text: string): void;
  /** the machine-readable answer of --json on stdout */
  printJson(value: unknown): void;
}

export interface Command {
  /** the words that select it: "rounds watch" */
  name: string;
  /** positional arguments in help: "<id> <address>" */
  args: string[];
  summary: string;
  /** longer help: what it prints, its exit codes */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** the command talks to the gateway without a key (public routes) */
  public?: boolean;
  run(ctx: Context): Promise<ExitCode>;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireRoundId(text: string | undefined): string {
  if (!text) throw new UsageError("a round id is required");
  if (!UUID_PATTERN.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a round id (a UUID)`);
  return text.toLowerCase();
}

export function requireReason(options: OptionValues): string {
  const reason = options.reason;
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new UsageError('--reason "…" is required: it goes into the round\'s audit log');
  }
  return reason.trim();
}

export function positiveInteger(name: string, text: string | boolean | undefined, fallback: number): number {
  if (text === undefined || typeof text === "boolean") return fallback;
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`--${name} takes a positive integer, not ${text}`);
  return Number(text);
}
