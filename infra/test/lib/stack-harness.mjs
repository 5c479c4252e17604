// Runs `npm start` (infra/stack/start.mjs) as a child process on its own ports and state directory,
// for the suites that test the running system from outside: the stack test (infra/test) and the
// fault suite (infra/faults). With DATABASE_URL (CI) the stack gets a database of its own there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { REPO_ROOT, sleep } from "../../stack/lib/tools.mjs";

export const BTT = 1_000_000n;

/** The ports a harnessed stack uses: away from a developer's own `npm start`. */
export function stackPorts(base = 18080) {
  return {
    services: {
      GATEWAY_PORT: base,
      INDEXER_PORT: base + 1,
      AIRDROP_PORT: base + 2,
      SPEED_LEDGER_PORT: base + 3,
    },
    kafka: base + 1012,
    devnet: base + 1010,
    postgres: base - 2647,
  };
}

async function withAdmin(url, work) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** With DATABASE_URL, a database of the stack's own on that server (dropped by `stop`). */
async function databaseForStack() {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return undefined;
  const name = `btt_stack_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(16)}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts the stack and resolves once `.btt/stack.json` is written (every service ready).
 * `env` adds to (and wins over) the harness's defaults: DEVNET_*, DEMO_* and the like.
 */
export async function startStack({ env: extraEnv = {}, portBase = 18080, readyTimeoutMs = 180_000 } = {}) {
  const ports = stackPorts(portBase);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "btt-stack-"));
  // the embedded PostgreSQL runs as an unprivileged user, which must reach its data directory
  chmodSync(stateDir, 0o755);
  const database = await databaseForStack();
  const env = { ...process.env };
  for (const name of ["KAFKA_BROKERS", "TRON_FULL_HOST", "TRON_SOLIDITY_HOST", "DATABASE_URL"])
    delete env[name];
  for (const name of Object.keys(env)) if (/^(BTT_DEMO|DEMO_|DEVNET_)/.test(name)) delete env[name];
  Object.assign(
    env,
    Object.fromEntries(Object.entries(ports.services).map(([k, v]) => [k, String(v)])),
    {
      BTT_STATE_DIR: stateDir,
      KAFKA_DEV_PORT: String(ports.kafka),
      TRON_DEVNET_PORT: String(ports.devnet),
      EMBEDDED_POSTGRES_PORT: String(ports.postgres),
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
    extraEnv,
  );
  const runner = spawn(process.execPath, [path.join(REPO_ROOT, "infra/stack/start.mjs")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  runner.stdout.on("data", (d) => {
    output += d;
  });
  runner.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise((resolve) => runner.once("exit", (code, signal) => resolve({ code, signal })));
  const stackFile = path.join(stateDir, "stack.json");
  let stopped = false;

  const handle = {
    ports,
    stateDir,
    stackFile,
    runner,
    exited,
    output: () => output,
    /** The current stack.json (its `pids` change when a service restarts). */
    stack: () => JSON.parse(readFileSync(stackFile, "utf8")),
    demo: () => JSON.parse(readFileSync(path.join(stateDir, "demo.json"), "utf8")),
    /** Resolves with the match once the runner's output matches `pattern`. */
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        assert.ok(Date.now() < deadline, `no ${pattern} within ${timeoutMs / 1000} s:\n${output}`);
        assert.equal(runner.exitCode, null, `runner exited early:\n${output}`);
        await sleep(250);
      }
    },
    /** SIGTERM, as Ctrl-C would; resolves to the runner's exit; a second call is a no-op. */
    async stop() {
      if (stopped) return exited;
      stopped = true;
      if (runner.exitCode === null) runner.kill("SIGTERM");
      const timer = setTimeout(() => runner.kill("SIGKILL"), 60_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    /** After `stop`: the database and the state directory are removed. */
    async cleanup() {
      if (runner.exitCode === null) runner.kill("SIGKILL");
      await database?.drop().catch(() => {});
      rmSync(stateDir, { recursive: true, force: true });
    },
    /** Every port the stack opened (the embedded PostgreSQL only when it was started). */
    allPorts() {
      return [
        ...Object.values(ports.services),
        ports.kafka,
        ports.devnet,
        ...(database ? [] : [ports.postgres]),
      ];
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (!existsSync(stackFile)) {
    if (Date.now() >= deadline || runner.exitCode !== null) {
      await handle.cleanup();
      assert.fail(
        runner.exitCode !== null
          ? `the runner exited early:\n${output}`
          : `no stack.json after ${readyTimeoutMs / 1000} s:\n${output}`,
      );
    }
    await sleep(250);
  }
  return handle;
}

/** GET returning the JSON body, asserting 200. */
export async function getJson(url, headers = {}) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const body = await response.json();
  assert.equal(response.status, 200, `GET ${url}: ${JSON.stringify(body)}`);
  return body;
}

/** A small client of the public API for the suites: JSON in and out, keys by role. */
export function apiClient(stack) {
  const keys = { operator: stack.apiKeys.operator, exchange: stack.apiKeys.exchange };
  async function call(method, pathname, { role, body, headers = {}, expect } = {}) {
    const response = await fetch(`${stack.gatewayUrl}${pathname}`, {
      method,
      headers: {
        ...(role ? { Authorization: `Bearer ${keys[role]}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const json = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
    if (expect !== undefined)
      assert.equal(
        response.status,
        expect,
        `${method} ${pathname}: ${response.status} ${text.slice(0, 500)}`,
      );
    return { status: response.status, body: json, headers: response.headers };
  }
  return {
    get: (pathname, role, options = {}) => call("GET", pathname, { role, expect: 200, ...options }),
    post: (pathname, body, role, options = {}) => call("POST", pathname, { role, body, ...options }),
    call,
    /** Every item of a paginated route (`?limit=1000&cursor=`). */
    async all(pathname, role) {
      const items = [];
      let cursor = null;
      do {
        const sep = pathname.includes("?") ? "&" : "?";
        const page = (
          await call(
            "GET",
            `${pathname}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
            {
              role,
              expect: 200,
            },
          )
        ).body;
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    },
  };
}

/** Polls `probe` until it returns a value other than undefined/false. */
export async function eventually(what, probe, { timeoutMs = 60_000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      assert.fail(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last.message})` : ""}`);
    await sleep(intervalMs);
  }
}
