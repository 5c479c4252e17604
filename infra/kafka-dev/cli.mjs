#!/usr/bin/env node
// Runs the Kafka development broker in the foreground until Ctrl-C.
//
//   node infra/kafka-dev/cli.mjs [--brokers N] [--topic name:partitions ...] [--port P]
//                                [--rebalance-delay MS] [--verbose] [--debug CTX] [--log-file F]
//
// Builds the broker first if needed (about a minute, once). Prints the bootstrap address on
// stdout (one line); everything else goes to stderr.

import { startKafkaDev } from "./index.mjs";

const USAGE = `usage: node infra/kafka-dev/cli.mjs [--brokers N] [--topic name:partitions ...] [--port P]
                                    [--rebalance-delay MS] [--verbose] [--debug CTX] [--log-file FILE]`;

function fail(msg) {
  console.error(`kafka-dev: ${msg}\n${USAGE}`);
  process.exit(2);
}

function intArg(name, v) {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0) fail(`${name} needs a non-negative integer`);
  return n;
}

const opts = { topics: [], brokers: 1, inheritStderr: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => argv[++i];
  switch (a) {
    case "--brokers":
      opts.brokers = intArg(a, next());
      break;
    case "--topic": {
      const spec = next();
      if (!spec) fail("--topic needs name[:partitions]");
      const idx = spec.lastIndexOf(":");
      const name = idx === -1 ? spec : spec.slice(0, idx);
      const partitions = idx === -1 ? 1 : intArg("--topic partitions", spec.slice(idx + 1));
      opts.topics.push({ name, partitions });
      break;
    }
    case "--port":
      opts.port = intArg(a, next());
      break;
    case "--rebalance-delay":
      opts.rebalanceDelayMs = intArg(a, next());
      break;
    case "--verbose":
    case "-v":
      opts.verbose = true;
      break;
    case "--debug":
      opts.debug = next() ?? fail("--debug needs contexts, e.g. mock");
      break;
    case "--log-file":
      opts.logFile = next() ?? fail("--log-file needs a path");
      break;
    case "--help":
    case "-h":
      console.log(USAGE);
      process.exit(0);
      break;
    default:
      fail(`unknown argument: ${a}`);
  }
}

let broker;
try {
  broker = await startKafkaDev(opts);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

console.log(broker.bootstrap);
const topicList = opts.topics.map((t) => `${t.name}:${t.partitions}`).join(", ") || "none";
console.error(
  `[kafka-dev] mock Kafka up: ${broker.bootstrap} (pid ${broker.pid}, ${opts.brokers} broker(s), topics: ${topicList}). Ctrl-C to stop.`,
);
if (!opts.topics.length) {
  console.error(
    "[kafka-dev] no --topic given: topics get auto-created (4 partitions) on first metadata request",
  );
}

let stopping = false;
const shutdown = async (sig) => {
  if (stopping) return;
  stopping = true;
  console.error(`[kafka-dev] ${sig}: stopping broker`);
  await broker.stop();
  process.exit(0);
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGHUP", () => shutdown("SIGHUP"));

const { code, signal } = await broker.exited;
if (!stopping) {
  // Ctrl-C in a terminal reaches the broker too (same process group): it exits 0 on its own.
  if (code === 0) {
    console.error("[kafka-dev] broker stopped");
    process.exit(0);
  }
  console.error(`[kafka-dev] broker exited unexpectedly (${signal ? `signal ${signal}` : `exit ${code}`})`);
  process.exit(1);
}
