import { randomUUID } from "node:crypto";
import { createPool } from "@btt/shared/db";
import {
  createEventProducer,
  createKafka,
  type EventProducer,
  type RunningConsumer,
  runEventConsumer,
} from "@btt/shared/kafka";
import { createLogger } from "@btt/shared/logger";
import { testKafkaBrokers, waitFor } from "@btt/shared/testing";
import { silentLogger } from "@btt/shared/testing/service-basics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LedgerQueries } from "../src/ledger/queries.js";
import { type RunningCommandConsumer, startCommandConsumer } from "../src/messaging/command-consumer.js";
import { checkInvariants } from "../src/reconciliation/invariants.js";
import {
  applyOptions,
  closeChannel,
  deposit,
  type LedgerDb,
  ledgerDatabase,
  openChannel,
  party,
  type Signed,
  voucher,
} from "./harness.js";

// speed.commands through the Kafka development broker into real PostgreSQL: what the gateway
// produces is applied once, malformed messages go to the DLQ, and a consumer group that reads
// the whole topic again (every offset redelivered) changes nothing.

const kafka = createKafka({
  clientId: "speed-ledger-test",
  brokers: testKafkaBrokers(),
  logger: silentLogger,
});
let producer: EventProducer;
let l: LedgerDb;
const running: (RunningCommandConsumer | RunningConsumer)[] = [];

beforeAll(async () => {
  producer = createEventProducer(kafka);
  await producer.connect();
  l = await ledgerDatabase();
});
afterAll(async () => {
  for (const c of running) await c.stop().catch(() => {});
  await producer?.disconnect();
  await l?.close();
});

async function consume(groupId: string): Promise<RunningCommandConsumer> {
  const consumer = await startCommandConsumer({
    kafka,
    pool: l.pool,
    producer,
    logger: silentLogger,
    apply: applyOptions(),
    groupId,
    chunkSize: 50,
  });
  running.push(consumer);
  await consumer.joined;
  return consumer;
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

async function recorded(ids: string[]): Promise<number> {
  const { rows } = await l.pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM commands WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return Number(rows[0]?.n);
}

describe("the speed.commands consumer", () => {
  it("applies each command once, dead-letters malformed messages, and a full redelivery changes nothing", async () => {
    const payer = party();
    const payees = [party(), party(), party()];
    await deposit(l.pool, payer.address, 9_000_000n);
    const opens = payees.map((p) => openChannel(payer, p, 2_000_000n));
    const vouchers = payees.flatMap((p, i) =>
      [1n, 2n, 3n].map((k) => voucher(opens[i]!.command.id, payer, p, k * 500_000n)),
    );
    const close = closeChannel(opens[0]!.command.id, payer, payees[0]!);
    const marker = `poison-${randomUUID()}`;
    const dlqSeen = new Promise<string>((resolve) => {
      void runEventConsumer({
        kafka,
        groupId: `dlq-watch-${randomUUID()}`,
        topics: ["speed.commands.dlq"],
        logger: silentLogger,
        producer,
        handle: async (event) => {
          const p = event.envelope.payload as { key: string | null; reason: string };
          if (p.key === marker) resolve(p.reason);
        },
      }).then((c) => running.push(c));
    });

    const first = await consume(`speed-ledger-test-${randomUUID()}`);
    await produce([...opens, ...vouchers.slice(0, 5)]);
    await producer.sendRaw("speed.commands", [{ key: marker, value: "{not json" }]);
    await produce([...vouchers.slice(5), ...vouchers.slice(0, 3), close]); // three delivered twice
    const ids = [...opens, ...vouchers, close].map((c) => c.command.id);
    await waitFor(
      async () => ((await recorded(ids)) === ids.length ? true : undefined),
      30_000,
      "every command recorded",
    );
    expect(await dlqSeen).toMatch(/not JSON/);

    const q = new LedgerQueries(l.pool);
    const snapshot = async () => ({
      payer: await q.account(payer.address),
      payees: await Promise.all(payees.map((p) => q.account(p.address))),
    });
    const once = await snapshot();
    expect(once.payer).toMatchObject({ available: "3500000", locked: "1000000", spent: "4500000" });
    expect(once.payees.map((p) => p.available)).toEqual(["1500000", "1500000", "1500000"]);
    await first.stop();

    // Every offset again, as after a crash before any commit: the dedup answers each one.
    await consume(`speed-ledger-test-${randomUUID()}`);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await snapshot()).toEqual(once);
    const verdictEvents = await l.pool.query<{ n: string; distinct: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT id)::text AS distinct FROM outbox
        WHERE envelope->>'type' = 'command.accepted' AND envelope->'payload'->>'commandId' = ANY($1)`,
      [ids],
    );
    // one verdict event per command, however often it was delivered (no relay runs here)
    expect(verdictEvents.rows[0]).toEqual({ n: String(ids.length), distinct: String(ids.length) });
    expect((await checkInvariants(l.pool)).ok).toBe(true);
  }, 60_000);

  it("retries, never dead-letters, while the deployment is broken (a missing table), then applies everything", async () => {
    const payer = party();
    const payee = party();
    await deposit(l.pool, payer.address, 1_000_000n);
    const open = openChannel(payer, payee, 600_000n);
    const commands = [open, voucher(open.command.id, payer, payee, 100_000n)];
    const dlq: string[] = [];
    const marker = `sentinel-${randomUUID()}`;
    running.push(
      await runEventConsumer({
        kafka,
        groupId: `dlq-watch-${randomUUID()}`,
        topics: ["speed.commands.dlq"],
        logger: silentLogger,
        producer,
        handle: async (event) => {
          dlq.push(String((event.envelope.payload as { key: string | null }).key));
        },
      }),
    );
    // search_path = public: every ledger table is "missing" (42P01), as with a forgotten schema
    const broken = createPool({ connectionString: l.db.url, applicationName: "broken", schema: "public" });
    const retries: string[] = [];
    const logger = createLogger({
      service: "speed-ledger-test",
      level: "error",
      destination: { write: (line: string) => void retries.push(line) },
    });
    const groupId = `speed-ledger-test-${randomUUID()}`;
    const failing = await startCommandConsumer({
      kafka,
      pool: broken,
      producer,
      logger,
      apply: applyOptions(),
      groupId,
    });
    await failing.joined;
    await produce(commands);
    await waitFor(
      () => (retries.filter((l) => l.includes("retrying")).length >= 3 ? true : undefined),
      30_000,
      "three retries of the run",
    );
    await failing.stop();
    await broken.end();
    expect(retries.join("\n")).toMatch(/does not exist/);

    await consume(groupId); // the deployment fixed: the same group picks up where it stood
    const ids = commands.map((c) => c.command.id);
    await waitFor(
      async () => ((await recorded(ids)) === ids.length ? true : undefined),
      30_000,
      "both commands recorded",
    );
    // The DLQ is one partition: once the sentinel is seen, anything dead-lettered before it was too.
    await producer.sendRaw("speed.commands", [{ key: marker, value: "{not json" }]);
    await waitFor(() => (dlq.includes(marker) ? true : undefined), 30_000, "the sentinel on the DLQ");
    expect(dlq.filter((key) => key === payer.address)).toEqual([]);
    expect(await new LedgerQueries(l.pool).account(payee.address)).toMatchObject({ available: "100000" });
  }, 60_000);
});
