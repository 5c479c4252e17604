import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { allTopics, TOPICS } from "@btt/shared/events";
import { createEventProducer, createKafka, type EventProducer } from "@btt/shared/kafka";
import { waitFor } from "@btt/shared/testing";
import { silentLogger } from "@btt/shared/testing/service-basics";
import { type Kafka, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type KafkaDev, startKafkaDev } from "../../../infra/kafka-dev/index.mjs";
import { verdictEventId } from "../src/ledger/apply-commands.js";
import { checkInvariants } from "../src/reconciliation/invariants.js";
import {
  CUSTODY,
  deposit,
  type LedgerDb,
  ledgerDatabase,
  openChannel,
  type Party,
  party,
  type Signed,
  voucher,
} from "./harness.js";

// The speed-ledger service as a real process (dist/main.js) consuming speed.commands while the
// commands keep coming: SIGKILLed several times at moments when part of what was produced is
// applied and part is not, and restarted each time in the same consumer group. Afterwards every
// command is recorded exactly once, every channel has paid exactly its highest voucher, the
// journal holds one entry per voucher, the invariants hold, and speed.events carries one verdict
// (one event id) per command.
//
// The broker is a development broker of this test's own, not the shared KAFKA_BROKERS one: the
// service always consumes speed.commands in the group speed-ledger-commands from the beginning, so
// on a shared broker it would also apply every other test's and benchmark's commands, and any
// other ledger consumer in that group (bench/lib/ledger-consumer.mjs uses it too) would take
// partitions, and with them commands, away from the process under test.

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const PAYERS = 8;
const PAYEES = 4;
const CHANNELS_PER_PAYER = 2;
const VOUCHERS_PER_CHANNEL = 300; // 16 channels × 300 = 4,800 vouchers
const BURST = 400; // commands produced at once, before the next look at the consumer
const KILLS = 3;
const NO_NODE_NOISE = '"msg":"payout step failed; backing off"';

let broker: KafkaDev;
let kafka: Kafka;
let producer: EventProducer;
let l: LedgerDb;
let service: ServiceProcess | undefined;

interface Channel {
  id: string;
  payer: Party;
  payee: Party;
  lock: bigint;
  step: bigint;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ServiceProcess {
  /** Spawns dist/main.js and waits for /readyz (the consumer group join may take longer). */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit; returns the signal or code it exited with. */
  stop(signal: NodeJS.Signals): Promise<string>;
  /** Everything every life printed (the tail), for failure messages. */
  output(): string;
  /** How many times it was started. */
  lives(): number;
  /** speed_commands_total{status="duplicate"} of the running life (/metrics). */
  duplicatesAnswered(): Promise<number>;
}

function serviceProcess(env: Record<string, string>): ServiceProcess {
  let child: ChildProcess | undefined;
  let log = "";
  let lives = 0;
  const append = (text: string) => {
    log = (log + text).slice(-60_000);
  };
  // whole lines, without the payout engine's retries against the absent TRON node
  const lines = () => {
    let partial = "";
    return (chunk: Buffer) => {
      const parts = (partial + String(chunk)).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) if (!line.includes(NO_NODE_NOISE)) append(`${line}\n`);
    };
  };
  return {
    async start() {
      lives += 1;
      const life = lives;
      append(`\n----- life ${life} -----\n`);
      const proc = spawn(process.execPath, [MAIN], { env, stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      proc.stdout?.on("data", lines());
      proc.stderr?.on("data", lines());
      await waitFor(
        async () => {
          if (proc.exitCode !== null || proc.signalCode !== null)
            throw new Error(`speed-ledger exited at start (life ${life}):\n${log}`);
          const ready = await fetch(`http://127.0.0.1:${env.SPEED_LEDGER_PORT}/readyz`, {
            signal: AbortSignal.timeout(3_000),
          })
            .then((r) => r.status === 200)
            .catch(() => false);
          return ready ? true : undefined;
        },
        60_000,
        `speed-ledger ready (life ${life})`,
      );
    },
    async stop(signal) {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return "not running";
      const exited = new Promise<string>((resolve) =>
        proc.once("exit", (code, sig) => resolve(sig ?? `code ${code}`)),
      );
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000); // a graceful stop that hangs
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    output: () => log,
    lives: () => lives,
    async duplicatesAnswered() {
      const text = await fetch(`http://127.0.0.1:${env.SPEED_LEDGER_PORT}/metrics`).then((r) => r.text());
      let sum = 0;
      for (const m of text.matchAll(/^speed_commands_total\{[^}]*status="duplicate"[^}]*\} (\d+)/gm))
        sum += Number(m[1]);
      return sum;
    },
  };
}

function produce(commands: Signed[]) {
  return producer.publish(
    commands.map((c) => ({
      topic: "speed.commands" as const,
      key: c.command.type === "withdrawal.request" ? c.command.account : c.command.payer,
      event: "speed.command@1" as const,
      payload: { command: c.command, signature: c.signature, receivedAt: new Date().toISOString() },
    })),
  );
}

beforeAll(async () => {
  if (!existsSync(MAIN))
    throw new Error(
      "services/speed-ledger/dist is missing: build first (pnpm exec tsc -p tsconfig.build.json)",
    );
  broker = await startKafkaDev({ topics: allTopics(), rebalanceDelayMs: 0, quietBuild: true });
  kafka = createKafka({ clientId: "speed-ledger-crash-test", brokers: broker.brokers, logger: silentLogger });
  producer = createEventProducer(kafka);
  await producer.connect();
  l = await ledgerDatabase();
}, 180_000); // the broker binary is built on first use (about a minute)

afterAll(async () => {
  await service?.stop("SIGKILL").catch(() => {});
  await producer?.disconnect();
  await broker?.stop();
  await l?.close();
});

describe("the speed-ledger service killed mid-stream", () => {
  it("loses and duplicates nothing across SIGKILLs and restarts in the same consumer group", async () => {
    onTestFailed(() => {
      console.error(`speed-ledger output (tail):\n${service?.output() ?? "(never started)"}`);
    });

    // --- the world: funded payers, channels to payees, a long stream of vouchers -------------
    const payers = Array.from({ length: PAYERS }, () => party());
    const payees = Array.from({ length: PAYEES }, () => party());
    const channels: Channel[] = [];
    for (const [i, payer] of payers.entries())
      for (let j = 0; j < CHANNELS_PER_PAYER; j += 1) {
        const step = BigInt(1_000 + 7 * channels.length);
        channels.push({
          id: "",
          payer,
          payee: payees[(i + j) % PAYEES] as Party,
          step,
          lock: step * BigInt(VOUCHERS_PER_CHANNEL) + 500n,
        });
      }
    const opens = channels.map((c) => {
      const open = openChannel(c.payer, c.payee, c.lock);
      c.id = open.command.id;
      return open;
    });
    const deposited = new Map<string, bigint>();
    for (const payer of payers) {
      const locks = channels.filter((c) => c.payer === payer).reduce((s, c) => s + c.lock, 0n);
      deposited.set(payer.address, locks + 12_345n);
      await deposit(l.pool, payer.address, locks + 12_345n);
    }
    // round-robin over the channels, each channel's cumulative amount rising by its step;
    // keyed by payer, so a channel's vouchers stay in order on one partition
    const vouchers: Signed[] = [];
    const channelOf = new Map<string, Channel>();
    for (let k = 1; k <= VOUCHERS_PER_CHANNEL; k += 1)
      for (const c of channels) {
        const v = voucher(c.id, c.payer, c.payee, c.step * BigInt(k));
        vouchers.push(v);
        channelOf.set(v.command.id, c);
      }
    const stream = [...opens, ...vouchers];
    const total = stream.length;
    const signers = payers.map((p) => p.address);
    // partition → commands recorded: a payer's commands all go to its key's partition
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: TOPICS.speedCommands.partitions }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
    }));
    const partitionOf = new Map(
      signers.map((key) => [
        key,
        partitioner({ topic: "speed.commands", partitionMetadata, message: { key, value: null } }),
      ]),
    );
    const appliedByPartition = async (): Promise<Map<number, number>> => {
      const { rows } = await l.pool.query<{ signer: string; n: string }>(
        `SELECT signer, count(*)::text AS n FROM commands WHERE signer = ANY($1::text[]) GROUP BY signer`,
        [signers],
      );
      const byPartition = new Map<number, number>();
      for (const r of rows) {
        const p = partitionOf.get(r.signer) as number;
        byPartition.set(p, (byPartition.get(p) ?? 0) + Number(r.n));
      }
      return byPartition;
    };
    // on this test's own broker, a partition's committed offset is the number of its messages
    // the group is done with
    const committedByPartition = async (): Promise<Map<number, number>> => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [topic] = await admin.fetchOffsets({
          groupId: "speed-ledger-commands",
          topics: ["speed.commands"],
        });
        return new Map((topic?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
      } finally {
        await admin.disconnect();
      }
    };
    const recorded = async (): Promise<number> => {
      const { rows } = await l.pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM commands WHERE signer = ANY($1::text[])`,
        [signers],
      );
      return Number(rows[0]?.n);
    };

    service = serviceProcess({
      PATH: process.env.PATH ?? "",
      DATABASE_URL: l.db.url,
      KAFKA_BROKERS: broker.bootstrap,
      SPEED_LEDGER_PORT: String(await freePort()),
      SPEED_CUSTODY_PRIVATE_KEY: CUSTODY.privateKey,
      // No TRON node: withdrawals (none here) and reconciliation against the chain back off and
      // report the node unreachable; speed.commands and chain.deposits do not need it.
      TRON_FULL_HOST: "http://127.0.0.1:1",
      // kafkajs commits a partition's offsets as soon as its fetched batch is done; with several
      // transactions per batch, a kill between them leaves applied commands uncommitted, to be
      // redelivered (at the default 500 that takes batches of over 500 commands per partition)
      SPEED_CONSUMER_CHUNK: "20",
      LOG_LEVEL: "warn",
    });
    const proc = service;

    // --- produce in bursts; kill while a burst is being applied --------------------------------
    // The i-th kill falls in the burst holding the command i/(KILLS+1) of the way through the
    // stream: once the consumer has begun applying that burst, a random moment later. A kill that
    // lands after the consumer has finished the burst is not counted; the next burst gets one.
    const kills: { applied: number; produced: number; uncommitted: number }[] = [];
    const redelivered: number[] = []; // per life: commands the dedup answered as already recorded
    const pendingRedelivery: number[] = [0]; // per life: applied but not committed when it started
    let produced = 0;
    let missed = 0;
    const noteRedelivered = async () => {
      const life = proc.lives() - 1;
      // (a redelivered command comes before the new ones on its partition, so it is answered by now)
      redelivered[life] = await waitFor(
        async () => {
          const n = await proc.duplicatesAnswered();
          return n >= (pendingRedelivery[life] ?? 0) ? n : undefined;
        },
        10_000,
        `the ${pendingRedelivery[life]} redelivered commands answered (life ${life + 1})`,
      );
    };
    await proc.start();
    while (kills.length < KILLS) {
      if (produced >= total)
        throw new Error(`the stream ended after ${kills.length} mid-stream kills (wanted ${KILLS})`);
      const target = Math.floor((total * (kills.length + 1)) / (KILLS + 1));
      const from = produced;
      const burst = stream.slice(produced, produced + BURST);
      await produce(burst);
      produced += burst.length;
      if (produced <= target) {
        await waitFor(
          async () => ((await recorded()) >= produced ? true : undefined),
          // a restarted member waits for the killed one's session (30 s) to time out
          120_000,
          `the consumer to apply the ${produced} commands produced`,
        );
        await noteRedelivered();
        continue;
      }
      await waitFor(
        async () => ((await recorded()) > from ? true : undefined),
        120_000,
        `the consumer to begin on commands ${from}..${produced}`,
      );
      await sleep(Math.floor(Math.random() * 120));
      expect(await proc.stop("SIGKILL")).toBe("SIGKILL");
      const applied = await appliedByPartition();
      const committed = await committedByPartition();
      // the consumer never commits an offset past what the ledger has recorded
      for (const [p, n] of committed) expect(n, `partition ${p}`).toBeLessThanOrEqual(applied.get(p) ?? 0);
      const appliedTotal = [...applied.values()].reduce((a, b) => a + b, 0);
      const uncommitted = appliedTotal - [...committed.values()].reduce((a, b) => a + b, 0);
      pendingRedelivery[proc.lives()] = uncommitted;
      if (appliedTotal >= produced) {
        missed += 1; // it finished the burst before the signal landed: kill in the next one
      } else {
        expect(appliedTotal).toBeGreaterThan(from);
        kills.push({ applied: appliedTotal, produced, uncommitted });
      }
      await proc.start(); // the same consumer group (speed-ledger-commands), the same database
    }

    // --- the rest of the stream, then everything recorded ------------------------------------
    while (produced < total) {
      const burst = stream.slice(produced, produced + BURST);
      await produce(burst);
      produced += burst.length;
      await sleep(20);
    }
    await waitFor(
      async () => ((await recorded()) === total ? true : undefined),
      150_000,
      `all ${total} commands recorded`,
    );
    // the relay publishes every verdict before the service stops
    await waitFor(
      async () => {
        const { rows } = await l.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM outbox`);
        return rows[0]?.n === "0" ? true : undefined;
      },
      60_000,
      "the outbox relayed",
    );
    await noteRedelivered();
    expect(await proc.stop("SIGTERM")).toBe("code 0");

    // every kill was mid-stream: commands produced but not yet applied at the kill, and more of
    // the stream still to come
    expect(kills).toHaveLength(KILLS);
    for (const k of kills) {
      expect(k.applied).toBeLessThan(k.produced);
      expect(k.produced).toBeLessThan(total);
    }
    // what was applied but not committed at a kill came back in the next life, and the dedup
    // answered it (speed_commands_total{status="duplicate"}) instead of applying it again
    expect(kills.reduce((sum, k) => sum + k.uncommitted, 0)).toBeGreaterThan(0);
    redelivered.forEach((n, life) => {
      expect(n, `life ${life + 1}`).toBe(pendingRedelivery[life]);
    });
    console.info(
      `${total} commands; kills at applied/produced (applied but uncommitted): ${kills
        .map((k) => `${k.applied}/${k.produced} (${k.uncommitted})`)
        .join(", ")}; ${missed} more kill(s) after a burst was done; redelivered commands the ` +
        `dedup answered, per life: ${Array.from(redelivered, (n) => n ?? "?").join(", ")}`,
    );

    // --- every command recorded exactly once, all accepted ------------------------------------
    const ids = stream.map((c) => c.command.id);
    const commands = await l.pool.query<{
      id: string;
      signer: string;
      status: string;
      entry_id: bigint | null;
    }>(`SELECT id::text, signer, status, entry_id FROM commands WHERE id = ANY($1::uuid[])`, [ids]);
    expect(commands.rows).toHaveLength(total);
    expect(new Set(commands.rows.map((r) => r.id)).size).toBe(total);
    expect(commands.rows.filter((r) => r.status !== "accepted")).toEqual([]);

    // --- channels, balances and the journal --------------------------------------------------
    const channelRows = await l.pool.query<{ id: string; paid: bigint; bytes: bigint; status: string }>(
      `SELECT id::text, paid, bytes, status FROM channels WHERE id = ANY($1::uuid[])`,
      [channels.map((c) => c.id)],
    );
    const highest = (c: Channel) => c.step * BigInt(VOUCHERS_PER_CHANNEL);
    expect(Object.fromEntries(channelRows.rows.map((r) => [r.id, [r.paid, r.bytes, r.status]]))).toEqual(
      Object.fromEntries(channels.map((c) => [c.id, [highest(c), highest(c) * 16n, "open"]])),
    );

    const accounts = await l.pool.query<{ id: string; available: bigint; locked: bigint }>(
      `SELECT id, available, locked FROM accounts WHERE id = ANY($1::text[])`,
      [[...signers, ...payees.map((p) => p.address)]],
    );
    const expected: Record<string, [bigint, bigint]> = {};
    for (const payer of payers) {
      const own = channels.filter((c) => c.payer === payer);
      expected[payer.address] = [
        (deposited.get(payer.address) ?? 0n) - own.reduce((s, c) => s + c.lock, 0n),
        own.reduce((s, c) => s + c.lock - highest(c), 0n),
      ];
    }
    for (const payee of payees)
      expected[payee.address] = [
        channels.filter((c) => c.payee === payee).reduce((s, c) => s + highest(c), 0n),
        0n,
      ];
    expect(Object.fromEntries(accounts.rows.map((r) => [r.id, [r.available, r.locked]]))).toEqual(expected);

    // one journal entry per voucher (each raised its channel's amount), none twice: the entry
    // ids the voucher commands recorded are exactly the voucher entries, one per command
    const entries = await l.pool.query<{ ref: string; entries: string; to_payee: string }>(
      `SELECT ref, count(DISTINCT entry_id)::text AS entries,
              sum(CASE WHEN bucket = 'available' THEN amount ELSE 0 END)::text AS to_payee
         FROM journal WHERE kind = 'voucher' AND ref = ANY($1::text[]) GROUP BY ref`,
      [channels.map((c) => c.id)],
    );
    expect(Object.fromEntries(entries.rows.map((r) => [r.ref, [Number(r.entries), r.to_payee]]))).toEqual(
      Object.fromEntries(channels.map((c) => [c.id, [VOUCHERS_PER_CHANNEL, String(highest(c))]])),
    );
    const voucherEntries = commands.rows.filter((r) => channelOf.has(r.id)).map((r) => String(r.entry_id));
    expect(voucherEntries).toHaveLength(vouchers.length);
    expect(new Set(voucherEntries).size).toBe(vouchers.length);
    const journalEntries = await l.pool.query<{ entry_id: bigint }>(
      `SELECT DISTINCT entry_id FROM journal WHERE kind = 'voucher' AND ref = ANY($1::text[])`,
      [channels.map((c) => c.id)],
    );
    expect(new Set(journalEntries.rows.map((r) => String(r.entry_id)))).toEqual(new Set(voucherEntries));
    const opensInJournal = await l.pool.query<{ n: string }>(
      `SELECT count(DISTINCT entry_id)::text AS n FROM journal WHERE kind = 'channel.open' AND ref = ANY($1::text[])`,
      [channels.map((c) => c.id)],
    );
    expect(opensInJournal.rows[0]?.n).toBe(String(channels.length));

    const invariants = await checkInvariants(l.pool);
    expect(invariants).toMatchObject({
      ok: true,
      unbalancedEntries: 0,
      balanceMismatches: [],
      lockMismatches: [],
      sumOfBalances: "0",
    });

    // --- speed.events: one verdict per command, one event id, never two verdicts ---------------
    // (the relay publishes at least once and a redelivered command re-enqueues its first verdict,
    // so an event may arrive twice, but always with the same deterministic id)
    // every command here is signed by its payer
    const signerOf = new Map(
      stream.map((c) => [c.command.id, c.command.type === "withdrawal.request" ? "" : c.command.payer]),
    );
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets("speed.events");
    await admin.disconnect();
    const remaining = new Map(
      ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]),
    );
    const verdicts = new Map<string, { ids: Set<string>; types: Set<string>; deliveries: number }>();
    const reader = kafka.consumer({
      groupId: `speed-ledger-crash-audit-${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    await reader.connect();
    try {
      await reader.subscribe({ topics: ["speed.events"], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ partition, message }) => {
          const envelope = JSON.parse(String(message.value)) as {
            id: string;
            type: string;
            payload: { commandId?: string };
          };
          const commandId = envelope.payload.commandId;
          if (commandId && signerOf.has(commandId)) {
            const v = verdicts.get(commandId) ?? { ids: new Set(), types: new Set(), deliveries: 0 };
            v.ids.add(envelope.id);
            v.types.add(envelope.type);
            v.deliveries += 1;
            verdicts.set(commandId, v);
          }
          const end = remaining.get(partition);
          if (end !== undefined && BigInt(message.offset) >= end) remaining.delete(partition);
        },
      });
      await waitFor(() => (remaining.size === 0 ? true : undefined), 90_000, "speed.events read to its end");
    } finally {
      await reader.disconnect();
    }
    expect(verdicts.size).toBe(total);
    const wrong = [...verdicts].filter(
      ([id, v]) =>
        v.ids.size !== 1 ||
        [...v.ids][0] !== verdictEventId(signerOf.get(id) as string, id) ||
        v.types.size !== 1 ||
        !v.types.has("command.accepted"),
    );
    expect(wrong).toEqual([]);
    const deliveries = [...verdicts.values()].reduce((s, v) => s + v.deliveries, 0);
    console.info(
      `${deliveries} verdict deliveries for ${total} commands (${deliveries - total} re-published)`,
    );
  }, 420_000);
});
