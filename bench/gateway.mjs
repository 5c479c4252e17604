// bench/gateway: the gateway process (services/gateway/dist/main.js, production configuration:
// PostgreSQL for its keys, Kafka, pino logging at info) against a bare Express handler doing the
// same work without any of the gateway's checks (bench/lib/gateway-peers.mjs), in the same run:
//
//   GET  /v1/rounds/{id}/entitlements/{address}  (exchange key) — both make the same upstream HTTP
//        call to a trivial upstream that answers a fixed entitlement, so only the front is measured;
//   POST /v1/speed/commands                      — both produce the same `speed.command@1` message
//        to `speed.commands` (acks from all in-sync replicas) and answer 202; the gateway also
//        checks shape, domain and the secp256k1 signature of each (distinct, validly signed) voucher.
//
// For each: the maximum requests/s (autocannon, closed loop, --connections) and its p99, then the
// latency at half of that maximum: an open loop (bench/lib/raw-http.mjs) on a worker thread of its
// own, requests evenly spaced at the rate and timed from when each fell due, p50 and p99. (autocannon's `overallRate` is not
// an open loop: its connections send back to back until the second's share is used, then idle.)
// Goals (issue 7): the gateway's maximum ≥ 0.5× the bare handler's, and its p99 < 20 ms at half
// of its own measured maximum; the bare handler is also measured at that same rate, to show what
// the machine and the load client alone cost. Load comes from this process; every process shares
// the same cores.
//
//   node bench/gateway.mjs [--seconds 8] [--connections 16] [--commands 40000] [--profile]
//   npm run bench -- gateway
//
// --profile runs the gateway under the V8 profiler and prints where its time went (the .cpuprofile
// stays in .btt/bench-gateway/ for Chrome DevTools).
// PostgreSQL: DATABASE_URL, else the embedded server in .btt/bench-postgres. Kafka: KAFKA_BROKERS,
// else the development broker (infra/kafka-dev).
import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startKafka } from "../infra/stack/lib/backing.mjs";
import { REPO_ROOT, run, STATE_DIR, sleep, spawnLogged, stopChild } from "../infra/stack/lib/tools.mjs";
import { cpuMicros, cpuMicrosSince } from "./lib/proc.mjs";
import { summariseProfile } from "./lib/profile.mjs";
import { openLoopInWorker, quantile, requestBytes } from "./lib/raw-http.mjs";
import { reportFigures } from "./lib/report.mjs";
import { benchDatabase, createTeardown } from "./lib/run-state.mjs";
import { keyPair, signed } from "./lib/speed-signing.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "16" },
    commands: { type: "string", default: "40000" },
    profile: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const COMMANDS = Number(values.commands);
for (const [name, value] of Object.entries({ SECONDS, CONNECTIONS, COMMANDS })) {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name.toLowerCase()} must be a positive integer`);
}

const PORTS = { upstream: 19581, bare: 19582, gateway: 19583 };
const EXCHANGE_KEY = `bench-exchange-${randomUUID()}`;
const DOMAIN = "btt-speed/v1/devnet";
const ROUND = "6f1c2b9a-3f5e-4c1d-9a7b-2d8e4f6a1b3c";
const ADDRESS = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const LOG_DIR = path.join(STATE_DIR, "bench-gateway");

const progress = (message) => console.error(`bench/gateway: ${message}`);
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: d }) : "n/a");

const teardown = createTeardown("bench/gateway");
const tearDown = teardown.run;

/** A fresh database with the gateway's schema. */
async function database() {
  const { url } = await benchDatabase(teardown, "gateway");
  run(process.execPath, [path.join(REPO_ROOT, "infra/prisma/prisma.mjs"), "gateway", "migrate", "deploy"], {
    cwd: path.join(REPO_ROOT, "services/gateway"),
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return url;
}

/** Starts a process and waits for `ready` on stdout (the peers) or a 200 from /readyz (the gateway). */
async function startProcess(name, args, env, readyUrl) {
  const child = spawnLogged(name, process.execPath, args, {
    env: { ...process.env, ...env },
    logFile: path.join(LOG_DIR, `${name}.log`),
  });
  teardown.push(() => stopChild(child, 5_000));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited (${child.exitCode}); see ${LOG_DIR}/${name}.log`);
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return child;
    } catch {}
    await sleep(200);
  }
  throw new Error(`${name} not ready within 60 s; see ${LOG_DIR}/${name}.log`);
}

function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/** Open loop at `rate` for SECONDS; fails loudly on any non-2xx answer. */
async function paced(label, base, rawAt, rate) {
  // Warm-up at the same rate on the same kind of client (fresh connections, the server's code paths
  // at this load), discarded; then the measured run.
  await openLoopInWorker(base, { rate, seconds: 2, requests: [rawAt()] });
  const requests = Array.from({ length: Math.max(1, Math.round(rate * SECONDS)) }, () => rawAt());
  const r = await openLoopInWorker(base, { rate, seconds: SECONDS, requests });
  if (r.non2xx > 0) throw new Error(`${label} (at ${rate}/s): ${r.non2xx} failed requests of ${r.total}`);
  return { p50: quantile(r.latencies, 0.5), p99: quantile(r.latencies, 0.99), achieved: r.achievedRate };
}

/** Closed loop (maximum), then open loop at half of it; fails loudly on any non-2xx answer. */
async function measure(label, base, { autocannon: request, raw }, pid) {
  await cannon({ ...request(), duration: 2 }); // warm-up: JIT, connection pools, Kafka metadata
  const cpuBefore = cpuMicros(pid);
  const max = await cannon(request());
  const cpuPerRequest = cpuMicrosSince(pid, cpuBefore) / max.requests.total;
  const bad = max.non2xx + max.errors + max.timeouts;
  if (bad > 0) throw new Error(`${label} (max): ${bad} failed requests of ${max.requests.total}`);
  const half = Math.max(1, Math.floor(max.requests.average / 2));
  const atHalf = await paced(label, base, raw, half);
  const figure = {
    label,
    rps: max.requests.average,
    p99AtMax: max.latency.p99,
    cpuPerRequest,
    halfRate: half,
    p50AtHalf: atHalf.p50,
    p99AtHalf: atHalf.p99,
  };
  progress(
    `${label}: ${fmt(figure.rps)} req/s (p99 ${figure.p99AtMax} ms, ${fmt(cpuPerRequest)} µs CPU/request); at ${fmt(half)}/s p50 ${fmt(figure.p50AtHalf, 1)} ms p99 ${fmt(figure.p99AtHalf, 1)} ms`,
  );
  return figure;
}

function entitlementRequest(base, headers) {
  const path = `/v1/rounds/${ROUND}/entitlements/${ADDRESS}`;
  const bytes = requestBytes(base, { path, headers });
  return {
    autocannon: () => ({ url: `${base}${path}`, headers }),
    raw: () => bytes,
  };
}

function commandRequest(base, bodies) {
  let next = 0;
  const headers = { "content-type": "application/json" };
  return {
    autocannon: () => ({
      url: base,
      requests: [
        {
          method: "POST",
          path: "/v1/speed/commands",
          headers,
          setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
        },
      ],
    }),
    raw: () =>
      requestBytes(base, {
        method: "POST",
        path: "/v1/speed/commands",
        headers,
        body: bodies[next++ % bodies.length],
      }),
  };
}

/** Distinct, validly signed vouchers (payer signs; 500 payers, one channel each). */
function signedVouchers(n) {
  const payers = Array.from({ length: 500 }, keyPair);
  const payee = keyPair().address;
  const channels = payers.map(() => randomUUID());
  const notAfter = String(Date.now() + 3_600_000);
  return Array.from({ length: n }, (_, i) => {
    const payer = payers[i % payers.length];
    const s = signed(
      {
        type: "voucher",
        domain: DOMAIN,
        id: randomUUID(),
        notAfter,
        channelId: channels[i % payers.length],
        payer: payer.address,
        payee,
        cumulativeAmount: String(1_000_000 * (Math.floor(i / payers.length) + 1)),
        cumulativeBytes: String(16_000_000 * (Math.floor(i / payers.length) + 1)),
        infohash: "c9e15763f722f23e98a29decdfae341b98d53056",
      },
      payer.key,
    );
    return JSON.stringify({ command: s.command, signature: s.signature });
  });
}

let failed = false;
try {
  const databaseUrl = await database();
  const broker = await startKafka({ rebalanceDelayMs: 0 });
  teardown.push(() => broker.stop());
  const upstreamUrl = `http://127.0.0.1:${PORTS.upstream}`;
  const peers = path.join(REPO_ROOT, "bench/lib/gateway-peers.mjs");
  await startProcess("upstream", [peers, "upstream", String(PORTS.upstream)], {}, `${upstreamUrl}/`);
  const bareUrl = `http://127.0.0.1:${PORTS.bare}`;
  const bareProcess = await startProcess(
    "bare",
    [peers, "bare", String(PORTS.bare), upstreamUrl, broker.brokers],
    {},
    `${bareUrl}/v1/rounds/${ROUND}/entitlements/${ADDRESS}`,
  );
  const gatewayUrl = `http://127.0.0.1:${PORTS.gateway}`;
  const gatewayProcess = await startProcess(
    "gateway",
    [
      ...(values.profile ? ["--cpu-prof", `--cpu-prof-dir=${LOG_DIR}`] : []),
      path.join(REPO_ROOT, "services/gateway/dist/main.js"),
    ],
    {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: broker.brokers,
      GATEWAY_PORT: String(PORTS.gateway),
      AIRDROP_URL: upstreamUrl,
      INDEXER_URL: upstreamUrl,
      SPEED_LEDGER_URL: upstreamUrl,
      SPEED_NETWORK: "devnet",
      BTT_EXCHANGE_API_KEY: EXCHANGE_KEY,
      // one client address and one key send everything here: the limits are lifted past the load
      RATE_LIMIT_PER_IP_PER_MINUTE: "100000000",
      RATE_LIMIT_PER_KEY_PER_MINUTE: "100000000",
      LOG_LEVEL: "info",
    },
    `${gatewayUrl}/readyz`,
  );
  progress(`signing ${fmt(COMMANDS)} vouchers`);
  const bodies = signedVouchers(COMMANDS);

  const auth = { authorization: `Bearer ${EXCHANGE_KEY}` };
  const rows = [];
  progress(`${CONNECTIONS} connections, ${SECONDS} s per phase`);
  for (const [route, label, request] of [
    [
      "GET /v1/rounds/{id}/entitlements/{address}",
      "GET entitlement",
      (base) => entitlementRequest(base, auth),
    ],
    ["POST /v1/speed/commands", "POST command", (base) => commandRequest(base, bodies)],
  ]) {
    const bare = await measure(`bare ${label}`, bareUrl, request(bareUrl), bareProcess.pid);
    const gateway = await measure(`gateway ${label}`, gatewayUrl, request(gatewayUrl), gatewayProcess.pid);
    // The bare handler at the gateway's half rate: the latency the machine and the load client
    // alone give at that load.
    const bareSameRate = await paced(`bare ${label}`, bareUrl, request(bareUrl).raw, gateway.halfRate);
    gateway.bareP99AtHalf = bareSameRate.p99;
    progress(
      `bare ${label} at ${fmt(gateway.halfRate)}/s: p50 ${fmt(bareSameRate.p50, 1)} ms p99 ${fmt(bareSameRate.p99, 1)} ms`,
    );
    rows.push([route, gateway, bare]);
  }

  console.log(
    `\n${"route".padEnd(44)} ${"gateway req/s".padStart(13)} ${"bare req/s".padStart(10)} ${"ratio".padStart(6)} ${"goal".padStart(6)}   ${"p50/p99 at half (ms)".padStart(20)} ${"goal".padStart(8)}`,
  );
  for (const [route, g, b] of rows) {
    const ratio = g.rps / b.rps;
    const ratioOk = ratio >= 0.5;
    const latencyOk = g.p99AtHalf < 20;
    failed ||= !ratioOk || !latencyOk;
    console.log(
      `${route.padEnd(44)} ${fmt(g.rps).padStart(13)} ${fmt(b.rps).padStart(10)} ${`${fmt(ratio, 2)}×`.padStart(6)} ${"≥0.5×".padStart(6)} ${ratioOk ? "✓" : "✗"} ${`${fmt(g.p50AtHalf, 1)}/${fmt(g.p99AtHalf, 1)} @${fmt(g.halfRate)}/s`.padStart(20)} ${"p99<20".padStart(8)} ${latencyOk ? "✓" : "✗"}`,
    );
  }
  reportFigures(
    "gateway",
    rows.flatMap(([route, g, b]) => [
      {
        figure: `${route} (req/s)`,
        value: g.rps,
        baseline: "bare Express, same upstream call (req/s)",
        baselineValue: b.rps,
        ratio: g.rps / b.rps,
        goal: "≥ 0.5×",
        met: g.rps / b.rps >= 0.5,
      },
      {
        figure: `${route} p99 at half rate (ms)`,
        value: g.p99AtHalf,
        baseline: "bare Express at the same rate, p99 (ms)",
        baselineValue: g.bareP99AtHalf,
        goal: "< 20 ms",
        met: g.p99AtHalf < 20,
      },
    ]),
  );
  console.log(
    "\nbare = Express with no middleware making the same upstream call / producing the same message; p99 at max: " +
      rows
        .map(([r, g, b]) => `${r.split(" ")[0]} gateway ${g.p99AtMax} ms, bare ${b.p99AtMax} ms`)
        .join("; ") +
      "; server CPU per request at max: " +
      rows
        .map(
          ([r, g, b]) =>
            `${r.split(" ")[0]} gateway ${fmt(g.cpuPerRequest)} µs, bare ${fmt(b.cpuPerRequest)} µs`,
        )
        .join("; ") +
      "; bare p99 at the gateway's half rate: " +
      rows.map(([r, g]) => `${r.split(" ")[0]} ${fmt(g.bareP99AtHalf, 1)} ms`).join(", "),
  );
} catch (error) {
  console.error(`bench/gateway: ${error.stack ?? error}`);
  failed = true;
} finally {
  await tearDown();
}
if (values.profile) {
  const [newest] = readdirSync(LOG_DIR)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(LOG_DIR, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (newest) console.log(`${summariseProfile(newest, "gateway process")}\n  profile: ${newest}`);
}
process.exitCode = failed ? 1 : 0;
