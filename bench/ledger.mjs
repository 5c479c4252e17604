// bench/ledger: for 200,000 signed vouchers fed through Kafka (`speed.commands`, as the gateway
// produces them), the vouchers the speed ledger applies per second exactly-once (its command
// consumer and outbox relay in their own process, bench/lib/ledger-consumer.mjs), beside two
// baselines measured in the same run on the same cores: raw signature recovery of those vouchers
// (one thread) and the PostgreSQL insert rate of the rows one voucher writes (goal: ≥ 0.5× the
// smaller); then the latency from produce to the `command.accepted` event on `speed.events` at a
// load of half that rate: p50, p99 (goal: p99 < 250 ms). Checks that every voucher was applied
// exactly once (verdict rows, journal entries, channel and payee balances, the ledger invariants).
//
//   node bench/ledger.mjs [--vouchers 200000] [--payers 2000] [--payees 1000] [--chunk 500]
//                         [--partitions 4] [--latency-seconds 15] [--latency-rate <n>/s]
//                         [--latency-coalesce-ms 0] [--profile]
//   npm run bench -- ledger
//
// Every voucher is signed (secp256k1 over TRON's message hash, checked against TronWeb) and its
// `speed.command@1` message built (buildEnvelope, the bytes producer.publish sends) before anything
// is timed; the throughput phase only sends them.
//
// The development broker (librdkafka's mock) answers a Fetch with at most ONE record batch per
// partition (rdkafka_mock_handlers.c, "FIXME: Multiple messageSets ?"), where Kafka returns up to
// the consumer's maxBytesPerPartition. So the throughput phase produces 8,000 messages per request
// (a record batch of ~1,000 per partition: runs of `chunk` as on Kafka). The latency phase forwards
// each voucher as it falls due through the gateway's own code (services/gateway/dist,
// forwardSpeedCommand: one produce request in flight, the commands arriving meanwhile go together
// in the next; an idle gateway sends each at once). --latency-coalesce-ms <n> sends what falls due
// within n ms as one request instead (latency then counts from when each message fell due).
// The mock also keeps only the last 5 MB of each partition (rd_kafka_mock_partition_init:
// max_size), so the producer stays at most 24,000 messages (~2 MB a partition) ahead of the ledger.
//
// --profile samples the consumer process with the V8 profiler during the throughput phase and
// prints where its time goes (the .cpuprofile stays in .btt/bench-ledger/ for Chrome DevTools).
// PostgreSQL: DATABASE_URL, else the embedded server in .btt/bench-postgres. Kafka: KAFKA_BROKERS,
// else the development broker (infra/kafka-dev).
import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startKafka } from "../infra/stack/lib/backing.mjs";
import { REPO_ROOT, STATE_DIR, sleep } from "../infra/stack/lib/tools.mjs";
import { summariseProfile } from "./lib/profile.mjs";
import { reportFigures } from "./lib/report.mjs";
import { benchDatabase, createTeardown } from "./lib/run-state.mjs";
import { keyPair, signed } from "./lib/speed-signing.mjs";

const { values } = parseArgs({
  options: {
    vouchers: { type: "string", default: "200000" },
    payers: { type: "string", default: "2000" },
    payees: { type: "string", default: "1000" },
    "latency-seconds": { type: "string", default: "15" },
    "latency-rate": { type: "string" },
    "latency-coalesce-ms": { type: "string", default: "0" },
    chunk: { type: "string", default: "500" },
    partitions: { type: "string", default: "4" },
    profile: { type: "boolean", default: false },
  },
});
const VOUCHERS = Number(values.vouchers);
const PAYERS = Number(values.payers);
const PAYEES = Number(values.payees);
const LATENCY_SECONDS = Number(values["latency-seconds"]);
const CHUNK = Number(values.chunk);
const COALESCE_MS = Number(values["latency-coalesce-ms"]);
/** Messages per produce request in the throughput phase: ~16 × chunk / 8 partitions per record batch. */
const PRODUCE_BATCH = CHUNK * 16;
/** Messages produced and not yet applied, at most: the development broker keeps 5 MB a partition. */
const MAX_BACKLOG = 24_000;
if (!(VOUCHERS > 0 && PAYERS > 0 && VOUCHERS % PAYERS === 0))
  throw new Error("--vouchers must be a positive multiple of --payers (one channel per payer)");
const PER_CHANNEL = VOUCHERS / PAYERS;
/** Latency vouchers continue the channels' cumulative amounts; the lock leaves room for this many. */
const LATENCY_PER_CHANNEL_MAX = 200;
const DOMAIN = "btt-speed/v1/devnet";
const TOKEN_ID = "1002000";
const UNIT = 1_000_000n; // each voucher pays 1 BTT more than the one before
const LOCK = UNIT * BigInt(PER_CHANNEL + LATENCY_PER_CHANNEL_MAX);
const COMMANDS_TOPIC = "speed.commands";
const PROFILE_DIR = path.join(STATE_DIR, "bench-ledger");

const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
const ledger = (p) => path.join(REPO_ROOT, "services/speed-ledger/dist", p);
const { createPool, withTransaction } = await import(shared("db/index.js"));
const { applyMigrations } = await import(shared("testing/index.js"));
const { createLogger } = await import(shared("logger/index.js"));
const { forwardSpeedCommand } = await import(
  path.join(REPO_ROOT, "services/gateway/dist/messaging/speed-commands.js")
);
const { buildEnvelope, createEventProducer, createKafka, toKafkaMessage } = await import(
  shared("kafka/index.js")
);
const { recoverMessageSigner, recoverMessageSignerWithTronWeb, signMessage } = await import(
  shared("tron/index.js")
);
const { applyDeposit } = await import(ledger("ledger/deposits.js"));
const { verdictEventId } = await import(ledger("ledger/apply-commands.js"));
const { checkInvariants } = await import(ledger("reconciliation/invariants.js"));

const fmt = (x, d = 0) =>
  Number.isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: d }) : x === Infinity ? "∞" : "n/a";
const progress = (message) => console.error(`bench/ledger: ${message}`);
const logger = createLogger({ service: "bench-ledger", level: "warn", destination: process.stderr });

// ---------------------------------------------------------------------------------------------
// Teardown: everything started registers its stop here; it runs in reverse, even on failure.
const teardown = createTeardown("bench/ledger");
const tearDown = teardown.run;

/** CPU seconds of the PostgreSQL backends serving `dbName` (local server only; else null). */
function backendCpuSeconds(dbName) {
  let ticks = 0;
  let found = false;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.startsWith("postgres: ") || !cmdline.includes(` ${dbName} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      found = true;
    } catch {}
  }
  return found ? ticks / 100 : null; // USER_HZ is 100 on Linux
}

/** Busy CPU seconds of the whole machine (every process, including other users). */
function machineBusySeconds() {
  const [, ...cols] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const n = cols.map(Number);
  return (n[0] + n[1] + n[2] + n[5] + n[6] + n[7]) / 100; // user nice system irq softirq steal
}

function checkSignatures(samples, keyOf) {
  for (const s of samples) {
    const signer = s.command.payer;
    const fast = recoverMessageSigner(s.message, s.signature);
    const tronWeb = recoverMessageSignerWithTronWeb(s.message, s.signature);
    if (fast !== signer || tronWeb !== signer)
      throw new Error(`signature check failed: ${signer} signed, recovered ${fast} (TronWeb: ${tronWeb})`);
  }
  const first = samples[0];
  const reference = signMessage(first.message, keyOf(first.command.payer).toString("hex"));
  return reference === first.signature;
}

const speedCommandMessage = (s, receivedAt) =>
  toKafkaMessage(
    s.command.payer,
    buildEnvelope({
      topic: COMMANDS_TOPIC,
      key: s.command.payer,
      event: "speed.command@1",
      payload: { command: s.command, signature: s.signature, receivedAt },
    }),
  );

// ---------------------------------------------------------------------------------------------
// Baseline 2: the rows one accepted voucher writes, inserted as the ledger writes them (one
// multi-row INSERT … unnest per table, a transaction per chunk), into scratch copies of the tables.

function insertChunks(vouchers, payeeOf, chunkSize) {
  const chunks = [];
  const appliedAt = new Date();
  const balances = new Map();
  let entry = 1_000_000_000n;
  for (let start = 0; start < vouchers.length; start += chunkSize) {
    const c = { commands: [[], [], [], [], [], [], [], [], []], journal: [[], [], [], [], [], [], []] };
    c.outbox = [[], [], [], []];
    for (const v of vouchers.slice(start, start + chunkSize)) {
      const { command } = v;
      entry += 1n;
      const row = [command.payer, command.id, "voucher", v.digest, command.payer, "accepted", null, null];
      row.push(String(entry));
      for (const [i, value] of row.entries()) c.commands[i].push(value);
      for (const [account, bucket, amount] of [
        [command.payer, "locked", -UNIT],
        [command.payee, "available", UNIT],
      ]) {
        const after = (balances.get(account) ?? (bucket === "locked" ? LOCK : 0n)) + amount;
        balances.set(account, after);
        const values = [String(entry), account, bucket, String(amount), String(after), "voucher"];
        values.push(command.channelId);
        for (const [i, value] of values.entries()) c.journal[i].push(value);
      }
      const id = verdictEventId(command.payer, command.id);
      // buildEnvelope's output for the ledger's command.accepted@1 (checked on the first one below)
      const envelope = {
        id,
        type: "command.accepted",
        version: 1,
        occurredAt: appliedAt.toISOString(),
        payload: {
          commandId: command.id,
          commandType: "voucher",
          signer: command.payer,
          account: command.payer,
          effects: [
            { account: command.payer, kind: "locked", amount: String(-UNIT) },
            { account: payeeOf(command), kind: "available", amount: String(UNIT) },
          ],
          appliedAt: appliedAt.toISOString(),
        },
      };
      for (const [i, value] of [id, "speed.events", command.payer, JSON.stringify(envelope)].entries())
        c.outbox[i].push(value);
    }
    chunks.push(c);
  }
  const first = JSON.parse(chunks[0].outbox[3][0]);
  const built = buildEnvelope({
    topic: "speed.events",
    key: first.payload.account,
    event: "command.accepted@1",
    id: first.id,
    occurredAt: appliedAt,
    payload: first.payload,
  });
  if (JSON.stringify(built) !== chunks[0].outbox[3][0])
    throw new Error("the baseline's command.accepted envelope differs from buildEnvelope's");
  return { chunks, appliedAt };
}

async function insertBaseline(pool, vouchers, payeeOf) {
  for (const table of ["commands", "journal", "outbox"])
    await pool.query(`CREATE TABLE bench_${table} (LIKE ${table} INCLUDING ALL)`);
  const { chunks, appliedAt } = insertChunks(vouchers, payeeOf, CHUNK);
  const envelopeBytes = chunks[0].outbox[3].reduce((s, e) => s + Buffer.byteLength(e), 0) / CHUNK;
  const client = await pool.connect();
  let seconds;
  try {
    const t0 = performance.now();
    for (const c of chunks) {
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO bench_journal (entry_id, account, bucket, amount, balance_after, kind, ref)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])`,
        c.journal,
      );
      await client.query(
        `INSERT INTO bench_commands (signer, id, type, digest, account, status, reason, message, entry_id, applied_at)
         SELECT signer, id, type, decode(digest, 'hex'), account, status, reason, message, entry_id, $10
           FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::bigint[]) AS v(signer, id, type, digest, account, status, reason, message, entry_id)`,
        [...c.commands, appliedAt],
      );
      await client.query(
        `INSERT INTO bench_outbox (id, topic, key, envelope)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) ON CONFLICT (id) DO NOTHING`,
        c.outbox,
      );
      await client.query("COMMIT");
    }
    seconds = (performance.now() - t0) / 1000;
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM bench_commands) AS commands, (SELECT count(*) FROM bench_journal) AS journal,
              (SELECT count(*) FROM bench_outbox) AS outbox`,
    );
    const n = vouchers.length;
    if (Number(rows[0].commands) !== n || Number(rows[0].journal) !== 2 * n || Number(rows[0].outbox) !== n)
      throw new Error(`baseline inserted ${JSON.stringify(rows[0])}, expected ${n}/${2 * n}/${n}`);
  } finally {
    client.release();
  }
  for (const table of ["commands", "journal", "outbox"]) await pool.query(`DROP TABLE bench_${table}`);
  // leave the WAL of the baseline behind us, not in the middle of the measured phase
  await pool.query("CHECKPOINT").catch(() => {});
  return { perSecond: vouchers.length / seconds, seconds, envelopeBytes };
}

// ---------------------------------------------------------------------------------------------
// The consumer process (bench/lib/ledger-consumer.mjs).

function startConsumer(dbUrl, brokers) {
  const args = [path.join(REPO_ROOT, "bench/lib/ledger-consumer.mjs"), "--database-url", dbUrl];
  args.push("--brokers", brokers, "--chunk", String(CHUNK), "--partitions", values.partitions);
  args.push("--profile-file", path.join(PROFILE_DIR, `consumer-${Date.now()}.cpuprofile`));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const waiters = [];
  child.on("message", (message) => {
    const i = waiters.findIndex((w) => w.key in message || "error" in message);
    if (i < 0) return;
    const [w] = waiters.splice(i, 1);
    if ("error" in message) w.reject(new Error(`consumer process: ${message.error}`));
    else w.resolve(message[w.key]);
  });
  const ask = (request, key, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumer process: no ${key} answer`)), timeoutMs);
      const waiter = {
        key,
        resolve(v) {
          clearTimeout(timer);
          resolve(v);
        },
        reject(e) {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiters.push(waiter);
      exited.then((code) => waiter.reject(new Error(`consumer process exited (${code})`)));
      if (request) child.send(request);
    });
  return {
    joined: ask(null, "joined", 60_000),
    cpuSeconds: async () => {
      const cpu = await ask("cpu", "cpu");
      return (cpu.user + cpu.system) / 1e6;
    },
    profileStart: () => ask("profile-start", "profiling"),
    profileStop: () => ask("profile-stop", "profile", 60_000),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The run.

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

let exactlyOnce = false;
try {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const db = await benchDatabase(teardown, "ledger");
  await applyMigrations(db.url, path.join(REPO_ROOT, "services/speed-ledger/prisma/migrations"));
  const pool = createPool({
    connectionString: db.url,
    applicationName: "bench-ledger",
    schema: "ledger",
    max: 4,
  });
  teardown.push(() => pool.end());
  const broker = await startKafka({ rebalanceDelayMs: 0 });
  teardown.push(() => broker.stop());
  const kafka = createKafka({
    clientId: "bench-ledger-producer",
    brokers: broker.brokers.split(","),
    logger,
  });
  const producer = createEventProducer(kafka);
  await producer.connect();
  teardown.push(() => producer.disconnect());

  // parties: payer i pays payee i mod PAYEES over one channel
  progress(
    `${PAYERS.toLocaleString("en")} payers, ${PAYEES.toLocaleString("en")} payees; funding the payers…`,
  );
  const payers = Array.from({ length: PAYERS }, keyPair);
  const payees = Array.from({ length: PAYEES }, keyPair).map((p) => p.address);
  const keyOf = new Map(payers.map((p) => [p.address, p.key]));
  const custody = keyPair().address;
  const rules = {
    custodyAddress: custody,
    tokenId: TOKEN_ID,
    promotionsFunders: new Set(),
    rewardsFunders: new Set(),
  };
  for (let start = 0; start < PAYERS; start += 100) {
    await withTransaction(pool, async (client) => {
      for (const [i, p] of payers.slice(start, start + 100).entries()) {
        const outcome = await applyDeposit(
          client,
          {
            txId: randomBytes(32).toString("hex"),
            from: p.address,
            to: custody,
            tokenId: TOKEN_ID,
            amount: String(LOCK),
            blockNumber: 1000 + start + i,
            blockTime: new Date().toISOString(),
            memo: null,
          },
          rules,
        );
        if (!outcome.applied) throw new Error(`deposit not applied: ${outcome.why}`);
      }
    });
  }

  const now = Date.now();
  const notAfter = String(now + 2 * 3600_000);
  const channels = payers.map((p, i) => ({
    id: randomUUID(),
    payer: p.address,
    payee: payees[i % PAYEES],
    infohash: randomBytes(20).toString("hex"),
  }));
  const voucher = (ch, k) =>
    signed(
      {
        type: "voucher",
        domain: DOMAIN,
        id: randomUUID(),
        notAfter,
        channelId: ch.id,
        payer: ch.payer,
        payee: ch.payee,
        cumulativeAmount: String(UNIT * BigInt(k)),
        cumulativeBytes: String(k * 4 * 1024 * 1024),
        infohash: ch.infohash,
      },
      keyOf.get(ch.payer),
    );
  const opens = channels.map((ch) =>
    signed(
      {
        type: "channel.open",
        domain: DOMAIN,
        id: ch.id,
        notAfter,
        payer: ch.payer,
        payee: ch.payee,
        amount: String(LOCK),
        expiresAt: String(now + 24 * 3600_000),
      },
      keyOf.get(ch.payer),
    ),
  );

  // every voucher signed before anything is timed; interleaved as live traffic is (round k of every channel)
  progress(`signing ${VOUCHERS.toLocaleString("en")} vouchers…`);
  let t0 = performance.now();
  const vouchers = [];
  for (let k = 1; k <= PER_CHANNEL; k += 1) for (const ch of channels) vouchers.push(voucher(ch, k));
  const signSeconds = (performance.now() - t0) / 1000;
  const identical = checkSignatures([...vouchers.slice(0, 20), ...opens.slice(0, 5)], (a) => keyOf.get(a));
  progress(
    `signed in ${signSeconds.toFixed(1)} s (${fmt(VOUCHERS / signSeconds)}/s); 25 recovered alike by ` +
      `recoverMessageSigner and TronWeb's verifyMessageV2; byte-identical to Trx.signMessageV2: ${identical ? "yes" : "no"}`,
  );
  const receivedAt = new Date().toISOString();
  const messages = vouchers.map((v) => speedCommandMessage(v, receivedAt));
  for (const v of vouchers) v.digest = createHash("sha256").update(v.message).digest("hex");

  // baseline 1: raw signature recovery of the same vouchers, one thread
  progress("baseline: signature recovery…");
  t0 = performance.now();
  let recovered = 0;
  for (const v of vouchers)
    if (recoverMessageSigner(v.message, v.signature) === v.command.payer) recovered += 1;
  const recoverSeconds = (performance.now() - t0) / 1000;
  if (recovered !== VOUCHERS)
    throw new Error(`only ${recovered} of ${VOUCHERS} signatures recovered their payer`);
  const recoverPerSecond = VOUCHERS / recoverSeconds;

  // baseline 2: PostgreSQL insert of the rows one voucher writes
  progress(`baseline: PostgreSQL insert of 4 rows per voucher, ${CHUNK} vouchers per transaction…`);
  const insert = await insertBaseline(pool, vouchers, (c) => c.payee);
  const baseline = Math.min(recoverPerSecond, insert.perSecond);
  const baselineName = recoverPerSecond <= insert.perSecond ? "signature recovery" : "PostgreSQL insert";

  // the ledger: consumer + outbox relay in their own process
  progress("starting the ledger's consumer process; opening the channels…");
  const consumer = startConsumer(db.url, broker.brokers);
  teardown.push(() => consumer.stop());
  await consumer.joined;
  for (let start = 0; start < opens.length; start += 500)
    await producer.publish(
      opens.slice(start, start + 500).map((s) => ({
        topic: COMMANDS_TOPIC,
        key: s.command.payer,
        event: "speed.command@1",
        payload: { command: s.command, signature: s.signature, receivedAt: new Date().toISOString() },
      })),
    );
  for (let waited = 0; ; waited += 100) {
    const { rows } = await pool.query(
      "SELECT status, reason, count(*)::int AS n FROM commands WHERE type = 'channel.open' GROUP BY 1, 2",
    );
    const total = rows.reduce((s, r) => s + r.n, 0);
    if (total === PAYERS) {
      const accepted = rows.find((r) => r.status === "accepted")?.n ?? 0;
      if (accepted !== PAYERS) throw new Error(`channel.open verdicts: ${JSON.stringify(rows)}`);
      break;
    }
    if (waited > 60_000) throw new Error(`only ${total} of ${PAYERS} channel.open verdicts after 60 s`);
    await sleep(100);
  }

  // throughput: first produce → the last voucher's verdict committed
  // progress from the journal's entry sequence (one entry per voucher; O(1), where counting the
  // verdict rows scans the table); the verdict rows are counted once the sequence has got there
  const countVerdicts = async () =>
    Number((await pool.query("SELECT count(*) AS n FROM commands WHERE type = 'voucher'")).rows[0].n);
  const entrySeq = async () =>
    Number((await pool.query("SELECT last_value FROM journal_entry_id_seq")).rows[0].last_value);
  const seq0 = await entrySeq();
  if (values.profile) await consumer.profileStart();
  progress(`producing ${VOUCHERS.toLocaleString("en")} vouchers to ${COMMANDS_TOPIC}…`);
  const cpu0 = {
    child: await consumer.cpuSeconds(),
    self: process.cpuUsage(),
    machine: machineBusySeconds(),
  };
  cpu0.pg = backendCpuSeconds(db.name);
  t0 = performance.now();
  let producedAt = null;
  let applied = 0;
  const produced = (async () => {
    for (let start = 0; start < messages.length; start += PRODUCE_BATCH) {
      while (start - applied > MAX_BACKLOG) await sleep(5);
      await producer.producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic: COMMANDS_TOPIC, messages: messages.slice(start, start + PRODUCE_BATCH) }],
      });
    }
    producedAt = performance.now();
  })();
  let produceError = null;
  produced.catch((error) => {
    produceError = error;
  });
  let lastChange = performance.now();
  let lastReport = performance.now();
  // what the ledger's PostgreSQL sessions are doing, sampled with each poll
  const sessions = new Map();
  let samples = 0;
  const sampleSessions = async () => {
    const { rows } = await pool.query(
      `SELECT application_name AS app, state, wait_event_type AS type, wait_event AS event
         FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'speed-ledger%'`,
    );
    samples += 1;
    for (const r of rows) {
      const what =
        r.state === "active"
          ? r.type
            ? `waiting ${r.type}:${r.event}`
            : "running a statement"
          : r.state === "idle in transaction"
            ? "in a transaction, waiting for the client"
            : r.state;
      const key = `${r.app === "speed-ledger" ? "consumer" : "outbox relay"}: ${what}`;
      sessions.set(key, (sessions.get(key) ?? 0) + 1);
    }
  };
  while (applied < VOUCHERS) {
    await sleep(100);
    if (produceError) throw produceError;
    await sampleSessions();
    let n = Math.min(VOUCHERS - 1, (await entrySeq()) - seq0);
    if (n === VOUCHERS - 1) n = await countVerdicts();
    const at = performance.now();
    if (n !== applied) lastChange = at;
    applied = n;
    if (at - lastChange > 60_000) throw new Error(`stalled at ${applied} of ${VOUCHERS} verdicts for 60 s`);
    if (at - lastReport > 5_000) {
      lastReport = at;
      progress(`  ${applied.toLocaleString("en")} verdicts after ${((at - t0) / 1000).toFixed(0)} s`);
    }
  }
  const t1 = performance.now();
  await produced;
  const applySeconds = (t1 - t0) / 1000;
  const producedSeconds = (producedAt - t0) / 1000;
  const selfCpu = process.cpuUsage(cpu0.self);
  const cpu = {
    child: (await consumer.cpuSeconds()) - cpu0.child,
    self: (selfCpu.user + selfCpu.system) / 1e6,
    machine: machineBusySeconds() - cpu0.machine,
    pg: cpu0.pg === null ? null : backendCpuSeconds(db.name) - cpu0.pg,
  };
  const profileFile = values.profile ? await consumer.profileStop() : null;
  const perSecond = VOUCHERS / applySeconds;
  const ratio = perSecond / baseline;

  // the relay publishes the verdict events; then the exactly-once checks
  t0 = performance.now();
  for (;;) {
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM outbox");
    if (rows[0].n === 0) break;
    if (performance.now() - t0 > 120_000)
      throw new Error(`outbox still holds ${rows[0].n} events after 120 s`);
    await sleep(100);
  }
  const drainSeconds = (performance.now() - t0) / 1000;

  progress("checking exactly-once…");
  const checks = [];
  const check = (what, okay, detail) => checks.push({ what, ok: okay, detail });
  const verdicts = await pool.query(
    "SELECT status, reason, count(*)::int AS n FROM commands WHERE type = 'voucher' GROUP BY 1, 2",
  );
  const accepted = verdicts.rows.find((r) => r.status === "accepted")?.n ?? 0;
  check(
    "voucher verdicts: accepted = sent, none rejected",
    accepted === VOUCHERS && verdicts.rows.length === 1,
    verdicts.rows.map((r) => `${r.status}${r.reason ? ` ${r.reason}` : ""} ${r.n}`).join(", "),
  );
  const entries = await pool.query(
    "SELECT count(DISTINCT entry_id)::int AS entries, count(*)::int AS postings FROM journal WHERE kind = 'voucher'",
  );
  check(
    "journal: one voucher entry (2 postings) per voucher",
    entries.rows[0].entries === VOUCHERS && entries.rows[0].postings === 2 * VOUCHERS,
    `${entries.rows[0].entries} entries, ${entries.rows[0].postings} postings`,
  );
  const finalPaid = UNIT * BigInt(PER_CHANNEL);
  const channelRows = await pool.query("SELECT id, paid FROM channels");
  const wrongChannels = channelRows.rows.filter((r) => r.paid !== finalPaid).length;
  check(
    "channels: paid = the final cumulativeAmount",
    channelRows.rows.length === PAYERS && wrongChannels === 0,
    `${channelRows.rows.length} channels, ${wrongChannels} differ`,
  );
  const expected = new Map();
  for (const ch of channels) expected.set(ch.payee, (expected.get(ch.payee) ?? 0n) + finalPaid);
  const payeeRows = await pool.query("SELECT id, available FROM accounts WHERE id = ANY($1::text[])", [
    [...expected.keys()],
  ]);
  const wrongPayees = payeeRows.rows.filter((r) => r.available !== expected.get(r.id)).length;
  check(
    "payees: available = Σ their channels' final cumulativeAmount",
    payeeRows.rows.length === expected.size && wrongPayees === 0,
    `${payeeRows.rows.length} payees, ${wrongPayees} differ`,
  );
  const invariants = await checkInvariants(pool);
  check(
    "checkInvariants(pool).ok",
    invariants.ok,
    invariants.ok ? `Σ balances ${invariants.sumOfBalances}` : JSON.stringify(invariants).slice(0, 400),
  );
  exactlyOnce = checks.every((c) => c.ok);

  // latency: fresh vouchers (continuing the channels) one message at a time at half the rate
  const rate = values["latency-rate"] ? Number(values["latency-rate"]) : perSecond / 2;
  const latencyCount = Math.min(Math.round(rate * LATENCY_SECONDS), PAYERS * LATENCY_PER_CHANNEL_MAX);
  progress(
    `latency: signing ${latencyCount.toLocaleString("en")} vouchers, then producing at ${fmt(rate)}/s…`,
  );
  const fresh = Array.from({ length: latencyCount }, (_, i) =>
    voucher(channels[i % PAYERS], PER_CHANNEL + 1 + Math.floor(i / PAYERS)),
  );
  const sentAt = new Map();
  const latencies = new Map();
  const watcher = kafka.consumer({
    groupId: `bench-ledger-latency-${Date.now().toString(36)}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 20,
  });
  const watcherJoined = new Promise((resolve) => {
    const remove = watcher.on(watcher.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
  await watcher.connect();
  teardown.push(() => watcher.disconnect());
  await watcher.subscribe({ topics: ["speed.events"], fromBeginning: false });
  await watcher.run({
    eachBatch: async ({ batch }) => {
      const at = performance.now();
      for (const m of batch.messages) {
        const event = JSON.parse(m.value.toString("utf8"));
        if (event.type !== "command.accepted") continue;
        const sent = sentAt.get(event.payload.commandId);
        if (sent !== undefined && !latencies.has(event.payload.commandId))
          latencies.set(event.payload.commandId, at - sent);
      }
    },
  });
  await watcherJoined;
  await sleep(1_000); // its offsets resolve to the end of the topic before anything is produced
  const pending = [];
  const acked = [];
  t0 = performance.now();
  const publish = (batch) =>
    producer
      .publish(
        batch.map((s) => ({
          topic: COMMANDS_TOPIC,
          key: s.command.payer,
          event: "speed.command@1",
          payload: { command: s.command, signature: s.signature, receivedAt: new Date().toISOString() },
        })),
      )
      .then(() => {
        const at = performance.now();
        for (const s of batch) acked.push(at - sentAt.get(s.command.id));
      });
  for (let i = 0; i < latencyCount; ) {
    const due = Math.min(latencyCount, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    if (COALESCE_MS > 0) {
      // what fell due in the window goes as one request; each counts from when it fell due
      const batch = fresh.slice(i, due);
      for (const [j, s] of batch.entries()) sentAt.set(s.command.id, t0 + ((i + j) / rate) * 1000);
      if (batch.length > 0) pending.push(publish(batch));
      i = due;
      await sleep(COALESCE_MS);
      continue;
    }
    for (; i < due; i += 1) {
      // forwarded as the gateway forwards an accepted POST /v1/speed/commands (group commit)
      const s = fresh[i];
      const at = performance.now();
      sentAt.set(s.command.id, at);
      pending.push(
        forwardSpeedCommand(producer, s, new Date()).then(() => acked.push(performance.now() - at)),
      );
    }
    await sleep(1);
  }
  const produceSeconds = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  const WAIT_MS = 30_000;
  const deadline = performance.now() + WAIT_MS;
  while (latencies.size < latencyCount && performance.now() < deadline) await sleep(50);
  // an event not seen within the wait counts as infinitely late
  const sorted = [...latencies.values(), ...Array(latencyCount - latencies.size).fill(Infinity)].sort(
    (a, b) => a - b,
  );
  const p50 = quantile(sorted, 0.5);
  const p99 = quantile(sorted, 0.99);
  const max = sorted[sorted.length - 1];
  const latencyMet = p99 < 250;
  // where it goes: produce acknowledged; verdict applied (commands.applied_at, the applying
  // transaction's clock); the accepted event seen on speed.events
  const appliedRows = await pool.query(
    "SELECT id::text AS id, extract(epoch FROM applied_at) * 1000 AS ms FROM commands WHERE id = ANY($1::uuid[])",
    [fresh.map((s) => s.command.id)],
  );
  const toApplied = appliedRows.rows
    .map((r) => Number(r.ms) - performance.timeOrigin - sentAt.get(r.id))
    .sort((a, b) => a - b);
  acked.sort((a, b) => a - b);
  const stages = [
    ["produce acknowledged (acks=-1)", acked],
    ["verdict applied (commands.applied_at)", toApplied],
    ["command.accepted seen on speed.events", sorted],
  ].map(
    ([what, list]) =>
      `    ${what}: p50 ${fmt(quantile(list, 0.5), 1)} ms, p99 ${fmt(quantile(list, 0.99), 1)} ms, max ${fmt(list[list.length - 1], 1)} ms (${list.length})`,
  );

  // the report
  const latencyMode =
    COALESCE_MS > 0 ? `, coalesced per ${COALESCE_MS} ms` : ", forwarded as the gateway does";
  const row = (...cells) => console.log(cells.join(" | "));
  console.log(
    `bench/ledger: ${VOUCHERS.toLocaleString("en")} vouchers (${PAYERS.toLocaleString("en")} payers × ` +
      `${PER_CHANNEL} over ${PAYEES.toLocaleString("en")} payees), chunk ${CHUNK}, ` +
      `${values.partitions} partitions at once; produced in ${producedSeconds.toFixed(1)} s, ` +
      `last verdict after ${applySeconds.toFixed(1)} s, outbox drained ${drainSeconds.toFixed(1)} s later`,
  );
  console.log(
    `  CPU during the throughput phase (${applySeconds.toFixed(1)} s, 2 cores): consumer process ` +
      `${cpu.child.toFixed(1)} s (${fmt((100 * cpu.child) / applySeconds)}% of a core), PostgreSQL backends ` +
      `${cpu.pg === null ? "n/a" : `${cpu.pg.toFixed(1)} s (${fmt((100 * cpu.pg) / applySeconds)}%)`}, ` +
      `producer/poller ${cpu.self.toFixed(1)} s, whole machine ${cpu.machine.toFixed(1)} s ` +
      `(${fmt((100 * cpu.machine) / applySeconds)}%)`,
  );
  console.log(
    `  the ledger's PostgreSQL sessions during it (mean number in each state, ${samples} samples):\n` +
      [...sessions]
        .sort((a, b) => b[1] - a[1])
        .map(([what, n]) => `    ${(n / samples).toFixed(2)}  ${what}`)
        .join("\n"),
  );
  for (const c of checks) console.log(`  ${c.ok ? "✓" : "✗"} ${c.what}: ${c.detail}`);
  console.log(
    `  latency phase: ${latencyCount.toLocaleString("en")} vouchers produced ` +
      `${COALESCE_MS > 0 ? `in one request per ${COALESCE_MS} ms` : "through the gateway's forwardSpeedCommand"} in ` +
      `${produceSeconds.toFixed(1)} s (${fmt(latencyCount / produceSeconds)}/s); ` +
      `${latencies.size.toLocaleString("en")} accepted events seen (within ${WAIT_MS / 1000} s after the last); ` +
      `from ${COALESCE_MS > 0 ? "falling due" : "the produce call"} to:\n${stages.join("\n")}`,
  );
  reportFigures("ledger", [
    {
      figure: "vouchers applied exactly-once (vouchers/s)",
      value: perSecond,
      baseline: `min(recovery, insert) (${baselineName})`,
      baselineValue: baseline,
      ratio,
      goal: "≥ 0.5×",
      met: ratio >= 0.5 && exactlyOnce,
    },
    {
      figure: `produce → accepted p99 (ms) at ${fmt(rate)}/s`,
      value: p99,
      goal: "< 250 ms",
      met: latencyMet,
    },
  ]);
  row("figure", "value", "baseline", "baseline value", "ratio", "goal", "met?");
  row(
    "vouchers applied exactly-once (vouchers/s)",
    fmt(perSecond),
    `min of the two below (${baselineName})`,
    fmt(baseline),
    `${ratio.toFixed(2)}×`,
    "≥ 0.5×",
    ratio >= 0.5 && exactlyOnce ? "met" : "MISSED",
  );
  row("signature recovery, one thread (vouchers/s)", fmt(recoverPerSecond), "", "", "", "", "");
  row(
    `PostgreSQL insert, 4 rows per voucher (vouchers/s; envelope ${fmt(insert.envelopeBytes)} B)`,
    fmt(insert.perSecond),
    "",
    "",
    "",
    "",
    "",
  );
  row(`produce → accepted p50 (ms) at ${fmt(rate)}/s${latencyMode}`, fmt(p50, 1), "", "", "", "", "");
  row(
    `produce → accepted p99 (ms) at ${fmt(rate)}/s${latencyMode}`,
    fmt(p99, 1),
    "",
    "",
    "",
    "< 250 ms",
    latencyMet ? "met" : "MISSED",
  );
  row("produce → accepted max (ms)", fmt(max, 1), "", "", "", "", "");
  row(
    "exactly once",
    exactlyOnce ? "yes" : "NO",
    "",
    "",
    "",
    "every check above",
    exactlyOnce ? "met" : "MISSED",
  );
  if (profileFile)
    console.log(
      `${summariseProfile(profileFile, "consumer process")}\n  profile: ${path.relative(REPO_ROOT, profileFile)}`,
    );
  console.log(
    JSON.stringify({
      bench: "ledger",
      vouchers: VOUCHERS,
      payers: PAYERS,
      payees: PAYEES,
      chunk: CHUNK,
      partitions: Number(values.partitions),
      applySeconds,
      producedSeconds,
      perSecond,
      recoverPerSecond,
      insertPerSecond: insert.perSecond,
      ratio,
      drainSeconds,
      cpu,
      latency: { rate, coalesceMs: COALESCE_MS, count: latencyCount, seen: latencies.size, p50, p99, max },
      exactlyOnce,
    }),
  );
  if (!exactlyOnce) process.exitCode = 1;
} finally {
  await tearDown();
}
