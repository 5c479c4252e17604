import type { Message } from "kafkajs";
import pg from "pg";
import { errorMessage } from "../errors/index.js";
import type { EventEnvelope, EventKey } from "../events/catalog.js";
import type { Logger } from "../logger/index.js";
import { buildEnvelope, type EventProducer, envelopeHeaders, type OutgoingEvent } from "./producer.js";

/**
 * The transactional outbox (ARCHITECTURE.md): a service writes its events into
 * `<schema>.outbox` in the same transaction as the state change; the relay publishes them to
 * Kafka and deletes them. Delivery is at-least-once (a crash between send and delete re-sends);
 * consumers are idempotent on the envelope id, which is fixed when the row is written.
 *
 * Table (each service's first migration creates it in its own schema):
 *   outbox(seq bigserial primary key, id uuid unique, topic text, key text, envelope jsonb,
 *          created_at timestamptz default now())
 */

export interface OutboxTable {
  /** Schema-qualified table name, e.g. `ledger.outbox`. */
  table: string;
  /** NOTIFY channel the relay listens on, e.g. `ledger_outbox`. */
  channel: string;
}

export function outboxTableFor(schema: string): OutboxTable {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  return { table: `"${schema}"."outbox"`, channel: `${schema}_outbox` };
}

/** The DDL each service's first migration carries (kept equal to this by a test per service). */
export function outboxTableDdl(schema: string): string {
  const { table } = outboxTableFor(schema);
  return `CREATE TABLE ${table} (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "envelope" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "outbox_id_key" ON ${table}("id");`;
}

type Queryable = Pick<pg.PoolClient, "query">;

/** Writes events inside the caller's transaction; the relay sees them once it commits. */
export async function enqueueOutbox(
  client: Queryable,
  outbox: OutboxTable,
  events: OutgoingEvent<EventKey>[],
  options: {
    /**
     * Events with fixed ids that may still wait in the outbox (a verdict answered again): an id
     * already there is skipped instead of failing the transaction.
     */
    skipExisting?: boolean;
  } = {},
): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  const envelopes = events.map((e) => buildEnvelope(e));
  // The envelopes go as one JSON array (one JSON.stringify, no array-literal escaping of each).
  await client.query(
    `INSERT INTO ${outbox.table} (id, topic, key, envelope)
     SELECT v.id, v.topic, v.key, e.envelope
       FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS v(id, topic, key, n)
       JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(envelope, n) ON e.n = v.n
      ORDER BY v.n${options.skipExisting ? " ON CONFLICT (id) DO NOTHING" : ""}`,
    [
      envelopes.map((e) => e.id),
      events.map((e) => e.topic),
      events.map((e) => e.key),
      JSON.stringify(envelopes),
    ],
  );
  await client.query(`SELECT pg_notify($1, '')`, [outbox.channel]);
  return envelopes;
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  /** A connection string for the LISTEN connection (a pooled client cannot hold LISTEN). */
  connectionString: string;
  outbox: OutboxTable;
  producer: EventProducer;
  logger: Logger;
  batchRows?: number;
  /** Fallback poll when no notification arrives. */
  pollIntervalMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes what is pending now; resolves with the number of events sent. */
  drain(): Promise<number>;
}

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  /** The envelope's JSON text, sent as it is (not parsed and serialised again). */
  value: string;
  type: string;
  version: string;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const logger = options.logger.child({ component: "outbox-relay", table: options.outbox.table });
  const batchRows = options.batchRows ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  let listener: pg.Client | undefined;
  let running = false;
  let wake: (() => void) | undefined;
  let pendingWake = false;
  let loop: Promise<void> | undefined;

  /** One batch: lock rows (SKIP LOCKED lets several relays share the table), send, delete. */
  async function publishBatch(): Promise<number> {
    const client = await options.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<OutboxRow>(
        // ORDER BY the column (o.seq), not the text alias: sorting "10" before "9" would reorder a
        // key's events and, by defeating the primary key's index, scan every dead row of the queue.
        `SELECT o.seq::text AS seq, o.topic, o.key, o.envelope::text AS value,
                o.envelope->>'type' AS type, o.envelope->>'version' AS version
           FROM ${options.outbox.table} o
          ORDER BY o.seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchRows],
      );
      if (rows.length === 0) {
        await client.query("COMMIT");
        return 0;
      }
      const byTopic = new Map<string, Message[]>();
      for (const row of rows) {
        const list = byTopic.get(row.topic) ?? [];
        list.push({ key: row.key, value: row.value, headers: envelopeHeaders(row) });
        byTopic.set(row.topic, list);
      }
      await options.producer.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await client.query(`DELETE FROM ${options.outbox.table} WHERE seq = ANY($1::bigint[])`, [
        rows.map((r) => r.seq),
      ]);
      await client.query("COMMIT");
      return rows.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await publishBatch();
      total += sent;
      if (sent < batchRows) return total;
    }
  }

  async function connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: options.connectionString });
    client.on("notification", () => {
      pendingWake = true;
      wake?.();
    });
    client.on("error", (error) => {
      logger.warn({ err: error }, "outbox listener lost its connection");
      listener = undefined;
    });
    await client.connect();
    await client.query(`LISTEN "${options.outbox.channel}"`);
    listener = client;
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      try {
        if (!listener) await connectListener();
        pendingWake = false;
        await drain();
        failures = 0;
      } catch (error) {
        failures += 1;
        logger.warn({ error: errorMessage(error), failures }, "outbox relay failed; retrying");
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))),
        );
        continue;
      }
      if (pendingWake) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await listener?.end().catch(() => {});
      listener = undefined;
    },
    drain,
  };
}
