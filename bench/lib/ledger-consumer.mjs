// bench/lib/ledger-consumer, the process under test of bench/ledger: the speed ledger's
// `speed.commands` consumer (services/speed-ledger/dist) and its outbox relay (`ledger.outbox` →
// `speed.events`), wired as services/speed-ledger/src/main.ts wires them, in a process of their
// own so that their CPU is not the producer's. Started by bench/ledger.mjs with an IPC channel:
// it sends {joined: true} once the consumer group is joined, answers "cpu" with its CPU time,
// samples itself with the V8 profiler between "profile-start" and "profile-stop" (the answer names
// the .cpuprofile written), and stops (consumer, relay, producer, pools) on "stop" or when its
// parent goes away.
//
//   node bench/lib/ledger-consumer.mjs --database-url <url> --brokers <host:port> [--chunk 500] [--partitions 4]
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../../infra/stack/lib/tools.mjs";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    brokers: { type: "string" },
    chunk: { type: "string", default: "500" },
    partitions: { type: "string", default: "4" },
    domain: { type: "string", default: "btt-speed/v1/devnet" },
    "profile-file": { type: "string" },
  },
});
if (!values["database-url"] || !values.brokers) throw new Error("--database-url and --brokers are required");

const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
const { createPool } = await import(shared("db/index.js"));
const { createLogger } = await import(shared("logger/index.js"));
const { createEventProducer, createKafka, createOutboxRelay, outboxTableFor } = await import(
  shared("kafka/index.js")
);
const { startCommandConsumer } = await import(
  path.join(REPO_ROOT, "services/speed-ledger/dist/messaging/command-consumer.js")
);

const url = values["database-url"];
const logger = createLogger({ service: "bench-ledger-consumer", level: "warn", destination: process.stderr });
const kafka = createKafka({ clientId: "bench-ledger", brokers: values.brokers.split(","), logger });

// As main.ts: the ledger's pool (12 connections) and the outbox publisher's own pool and producer.
const pool = createPool({
  connectionString: url,
  applicationName: "speed-ledger",
  schema: "ledger",
  max: 12,
});
const relayPool = createPool({
  connectionString: url,
  applicationName: "speed-ledger-outbox",
  schema: "ledger",
});
const relayProducer = createEventProducer(kafka);
await relayProducer.connect();
const relay = createOutboxRelay({
  pool: relayPool,
  connectionString: url,
  outbox: outboxTableFor("ledger"),
  producer: relayProducer,
  logger,
});
await relay.start();
const producer = createEventProducer(kafka);
await producer.connect();

const commands = await startCommandConsumer({
  kafka,
  pool,
  producer,
  logger,
  chunkSize: Number(values.chunk),
  partitionsConsumedConcurrently: Number(values.partitions),
  apply: {
    domain: values.domain,
    withdrawalDailyLimit: null,
    withdrawals: { enqueue: async () => {} },
  },
});
await commands.joined;
process.send?.({ joined: true });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await commands.stop().catch(() => {});
  await relay.stop().catch(() => {});
  await producer.disconnect().catch(() => {});
  await relayProducer.disconnect().catch(() => {});
  await pool.end().catch(() => {});
  await relayPool.end().catch(() => {});
  process.disconnect?.();
  // process.exit (not a natural end): --cpu-prof writes its profile on exit either way
  process.exit(0);
}

const session = new Session();
async function profile(message) {
  if (message === "profile-start") {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 500 });
    await session.post("Profiler.start");
    process.send?.({ profiling: true });
  } else {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    const file = values["profile-file"] ?? `ledger-consumer-${process.pid}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    process.send?.({ profile: file });
  }
}

process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
  else if (message === "profile-start" || message === "profile-stop")
    profile(message).catch((error) => process.send?.({ error: String(error) }));
  else if (message === "stop") void stop();
});
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());
