// The four services as the stack runner starts them: compiled entry points, ports, readiness.
import path from "node:path";
import { LOG_DIR, REPO_ROOT, sleep, spawnLogged } from "./tools.mjs";

export const SERVICES = [
  {
    name: "indexer",
    dir: "services/indexer",
    schema: "indexer",
    portVariable: "INDEXER_PORT",
    defaultPort: 8081,
  },
  {
    name: "airdrop",
    dir: "services/airdrop",
    schema: "airdrop",
    portVariable: "AIRDROP_PORT",
    defaultPort: 8082,
  },
  {
    name: "speed-ledger",
    dir: "services/speed-ledger",
    schema: "ledger",
    portVariable: "SPEED_LEDGER_PORT",
    defaultPort: 8083,
  },
  {
    name: "gateway",
    dir: "services/gateway",
    schema: "gateway",
    portVariable: "GATEWAY_PORT",
    defaultPort: 8080,
  },
];

export function servicePort(service) {
  const value = process.env[service.portVariable];
  if (!value) return service.defaultPort;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${service.portVariable}="${value}" is not a port (1–65535)`);
  }
  return port;
}

export function serviceUrl(service) {
  return `http://127.0.0.1:${servicePort(service)}`;
}

export function startService(service, env) {
  const child = spawnLogged(
    service.name,
    process.execPath,
    [path.join(REPO_ROOT, service.dir, "dist/main.js")],
    {
      env,
      logFile: path.join(LOG_DIR, `${service.name}.log`),
    },
  );
  return child;
}

/** Polls `/readyz` until 200; fails early when the process exits. */
export async function waitReady(service, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `${service.name} exited with code ${child.exitCode}; see ${path.join(LOG_DIR, `${service.name}.log`)}`,
      );
    }
    try {
      const response = await fetch(`${serviceUrl(service)}/readyz`, { signal: AbortSignal.timeout(3_000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error.message;
    }
    await sleep(250);
  }
  throw new Error(`${service.name} not ready after ${timeoutMs} ms (last answer: ${last})`);
}
