import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../src/db/index.js";
import type { EventEnvelope } from "../src/events/index.js";
import {
  type ConsumedEvent,
  createEventProducer,
  createKafka,
  createOutboxRelay,
  type EventProducer,
  enqueueOutbox,
  outboxTableDdl,
  outboxTableFor,
  type RunningConsumer,
  runEventConsumer,
} from "../src/kafka/index.js";
import { createLogger } from "../src/logger/index.js";
import { createTestDatabase, type TestDatabase, testKafkaBrokers, waitFor } from "../src/testing/index.js";

// TEST_LOGS=1 shows the kit's logs while debugging.
const logger = process.env.TEST_LOGS
  ? createLogger({ service: "kafka-test", level: "info" })
  : createLogger({
      service: "kafka-test",
      level: "warn",
      destination: new Writable({ write: (_c, _e, done) => done() }),
    });
const kafka = createKafka({ clientId: "kafka-kit-test", brokers: testKafkaBrokers(), logger });
const run = randomUUID().slice(0, 8);

let producer: EventProducer;
let db: TestDatabase;
const consumers: RunningConsumer[] = [];

function deposit(n: number) {
  return {
    txId: n.toString(16).padStart(64, "0"),
    from: "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw",
    to: "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H",
    tokenId: "1002000",
    amount: String(1_000_000 * n),
    blockNumber: 6_600_000 + n,
    blockTime: "2019-02-11T00:00:00.000Z",
    memo: `run ${run} #${n}`,
  };
}

beforeAll(async () => {
  producer = createEventProducer(kafka);
  await producer.connect();
  db = await createTestDatabase();
  await db.pool.query(`CREATE SCHEMA kit; ${outboxTableDdl("kit")}`);
});

afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
  await db?.drop();
});

async function collect(topic: string, groupId: string, filter: (e: ConsumedEvent) => boolean) {
  const seen: ConsumedEvent[] = [];
  consumers.push(
    await runEventConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      producer,
      handle: async (event) => {
        if (filter(event)) seen.push(event);
      },
    }),
  );
  return seen;
}

describe("Kafka kit on the development broker", () => {
  it("produces, consumes, relays an outbox and dead-letters a malformed message", async () => {
    const mine = (e: ConsumedEvent) =>
      String((e.envelope.payload as { memo?: string }).memo ?? "").startsWith(`run ${run}`);
    const received = await collect("chain.deposits", `kit-${run}`, mine);
    const deadLetters: ConsumedEvent[] = [];
    consumers.push(
      await runEventConsumer({
        kafka,
        groupId: `kit-dlq-${run}`,
        topics: ["chain.deposits.dlq"],
        logger,
        producer,
        handle: async (event) => {
          const { valueBase64 } = event.envelope.payload as { valueBase64: string };
          if (Buffer.from(valueBase64, "base64").toString("utf8").includes(run)) deadLetters.push(event);
        },
      }),
    );

    // 1. direct produce
    const sent = await producer.publish(
      [1, 2, 3].map((n) => ({
        topic: "chain.deposits",
        key: deposit(n).from,
        event: "chain.deposit@1",
        payload: deposit(n),
      })),
    );

    // 2. through the outbox, in a transaction
    const outbox = outboxTableFor("kit");
    const relay = createOutboxRelay({
      pool: db.pool,
      connectionString: db.url,
      outbox,
      producer,
      logger,
      pollIntervalMs: 200,
    });
    await relay.start();
    const queued: EventEnvelope[] = await withTransaction(db.pool, (client) =>
      enqueueOutbox(
        client,
        outbox,
        [4, 5].map((n) => ({
          topic: "chain.deposits",
          key: deposit(n).from,
          event: "chain.deposit@1" as const,
          payload: deposit(n),
        })),
      ),
    );

    // 3. a malformed message: parseable JSON, invalid payload
    await producer.sendRaw("chain.deposits", [
      {
        key: "x",
        value: JSON.stringify({
          id: randomUUID(),
          type: "chain.deposit",
          version: 1,
          occurredAt: new Date().toISOString(),
          payload: { memo: run },
        }),
      },
    ]);
    // and one that is not JSON at all, naming the run in its reason via the key-less raw value
    await producer.sendRaw("chain.deposits", [{ key: null, value: `not json ${run}` }]);

    await waitFor(() => (received.length >= 5 ? true : undefined), 30_000, "5 deposits consumed");
    await relay.stop();
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${outbox.table}`);
    expect(rows[0].n).toBe(0);

    const ids = received.map((e) => e.envelope.id).sort();
    expect(ids).toEqual([...sent, ...queued].map((e) => e.id).sort());
    expect(received.every((e) => e.key === "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw")).toBe(true);
    const amounts = received.map((e) => (e.envelope.payload as { amount: string }).amount).sort();
    expect(amounts).toEqual(["1000000", "2000000", "3000000", "4000000", "5000000"]);

    const dlq = await waitFor(
      () => (deadLetters.length >= 2 ? deadLetters : undefined),
      30_000,
      "two dead letters",
    );
    const letters = dlq.map((d) => d.envelope.payload as { reason: string; topic: string });
    expect(letters.map((l) => l.topic)).toEqual(["chain.deposits", "chain.deposits"]);
    expect(letters.map((l) => l.reason).sort()).toEqual([
      expect.stringMatching(/^invalid chain\.deposit@1 payload: txId: /),
      "value is not JSON",
    ]);
  }, 90_000);

  it("relays one key's outbox events in sequence order, across a digit boundary", async () => {
    const tag = `order ${run}`;
    const received = await collect("chain.deposits", `kit-order-${run}`, (e) =>
      String((e.envelope.payload as { memo?: string }).memo).startsWith(tag),
    );
    const outbox = outboxTableFor("kit");
    // Committed before the relay starts, so that one batch carries them all: seqs 8…19 sorted as
    // text would be 10, 11, …, 19, 8, 9.
    await db.pool.query(`SELECT setval(pg_get_serial_sequence('${outbox.table}', 'seq'), 7)`);
    await withTransaction(db.pool, (client) =>
      enqueueOutbox(
        client,
        outbox,
        Array.from({ length: 12 }, (_, i) => ({
          topic: "chain.deposits",
          key: deposit(1).from,
          event: "chain.deposit@1" as const,
          payload: { ...deposit(100 + i), memo: `${tag} #${i}` },
        })),
      ),
    );
    const relay = createOutboxRelay({
      pool: db.pool,
      connectionString: db.url,
      outbox,
      producer,
      logger,
      pollIntervalMs: 200,
    });
    await relay.start();
    await waitFor(() => (received.length >= 12 ? true : undefined), 30_000, "12 relayed events");
    await relay.stop();
    expect(received.map((e) => (e.envelope.payload as { memo: string }).memo)).toEqual(
      Array.from({ length: 12 }, (_, i) => `${tag} #${i}`),
    );
  }, 60_000);

  it("refuses to publish a payload that breaks its contract", async () => {
    await expect(
      producer.publish([
        {
          topic: "chain.deposits",
          key: "k",
          event: "chain.deposit@1",
          payload: { ...deposit(9), amount: "-5" },
        },
      ]),
    ).rejects.toThrow();
  });

  it("leaves an idle connection idle (patches/kafkajs@2.2.4.patch)", async () => {
    // kafkajs 2.2.4 re-armed a 1 ms timer per connection forever, even with nothing to send
    // (tulios/kafkajs#1556): ≈ 10 % of a core per service doing nothing. Count the queue checks
    // while the connected producer has nothing to do; the patch makes them stop.
    const RequestQueue = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as {
      prototype: { checkPendingRequests: (...args: unknown[]) => unknown };
    };
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown, ...args: unknown[]) {
      checks += 1;
      return original.apply(this, args);
    };
    try {
      await producer.publish([
        { topic: "chain.deposits", key: deposit(99).from, event: "chain.deposit@1", payload: deposit(99) },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      checks = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // unpatched: one check per millisecond per connection (≥ 400 here)
      expect(checks).toBeLessThan(50);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
    }
  });
});
