import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";

/**
 * Where the gateway is and which key to present. Each comes from, in order: the flag
 * (`--gateway`, `--api-key`), the environment (`BTT_GATEWAY_URL`, `BTT_API_KEY`), the stack file
 * `npm start` writes (`$BTT_STATE_DIR/stack.json`, else `<repo>/.btt/stack.json`), the default.
 * The stack's operator key is only sent to the stack's own gateway, never to another URL.
 */

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080";

/** packages/cli/{src,dist}/config.* → the repository root */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Connection {
  gatewayUrl: string;
  apiKey: string | undefined;
}

interface StackFile {
  gatewayUrl?: string;
  apiKeys?: { operator?: string };
}

export function stackFilePath(env: NodeJS.ProcessEnv, repoRoot = REPO_ROOT): string | null {
  const candidates = [
    env.BTT_STATE_DIR ? path.resolve(repoRoot, env.BTT_STATE_DIR, "stack.json") : null,
    path.join(repoRoot, ".btt", "stack.json"),
  ];
  return candidates.find((file): file is string => file !== null && existsSync(file)) ?? null;
}

function readStack(file: string | null): StackFile {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StackFile;
  } catch {
    return {}; // a stack file being rewritten by `npm start`: fall back to the defaults
  }
}

export function resolveConnection(
  flags: { gateway?: string | undefined; apiKey?: string | undefined },
  env: NodeJS.ProcessEnv,
  repoRoot = REPO_ROOT,
): Connection {
  const explicitUrl = flags.gateway ?? nonEmpty(env.BTT_GATEWAY_URL);
  const explicitKey = flags.apiKey ?? nonEmpty(env.BTT_API_KEY);
  const stack = explicitUrl && explicitKey ? {} : readStack(stackFilePath(env, repoRoot));
  const gatewayUrl = normaliseUrl(explicitUrl ?? stack.gatewayUrl ?? DEFAULT_GATEWAY_URL);
  const stackKey =
    stack.gatewayUrl && normaliseUrl(stack.gatewayUrl) === gatewayUrl ? stack.apiKeys?.operator : undefined;
  return { gatewayUrl, apiKey: explicitKey ?? stackKey };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value.trim() : undefined;
}

function normaliseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`the gateway URL ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`the gateway URL ${JSON.stringify(text)} must be http:// or https://`);
  }
  return url.toString().replace(/\/+$/, "");
}
