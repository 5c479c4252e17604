import { randomUUID } from "node:crypto";
import { type IHeaders, type Kafka, type Message, Partitioners, type Producer } from "kafkajs";
import { EVENT_SCHEMAS, type EventEnvelope, type EventKey, type EventPayload } from "../events/catalog.js";
import { TOPICS, type TopicSpec } from "../events/topics.js";

/** The topic an event type travels on, from the catalog. */
export type TopicOf<K extends EventKey> = {
  [T in keyof typeof TOPICS]: K extends (typeof TOPICS)[T]["events"][number]
    ? (typeof TOPICS)[T]["name"]
    : never;
}[keyof typeof TOPICS];

export interface OutgoingEvent<K extends EventKey = EventKey> {
  topic: TopicOf<K>;
  key: string;
  event: K;
  payload: EventPayload<K>;
  /** Fixed id for idempotent re-publication (outbox); random otherwise. */
  id?: string;
  occurredAt?: Date;
  headers?: IHeaders;
}

function topicSpec(name: string): TopicSpec {
  const spec = Object.values(TOPICS).find((t) => t.name === name);
  if (!spec) throw new Error(`unknown topic ${name}`);
  return spec;
}

/** Validates the payload against its contract and wraps it in the envelope. */
export function buildEnvelope<K extends EventKey>(event: OutgoingEvent<K>): EventEnvelope {
  const spec = topicSpec(event.topic);
  if (!(spec.events as readonly string[]).includes(event.event)) {
    throw new Error(`event ${event.event} is not allowed on topic ${event.topic}`);
  }
  const payload = EVENT_SCHEMAS[event.event].parse(event.payload);
  const [type, version] = event.event.split("@") as [string, string];
  return {
    id: event.id ?? randomUUID(),
    type,
    version: Number(version),
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    payload,
  };
}

export function toKafkaMessage(key: string, envelope: EventEnvelope, headers?: IHeaders): Message {
  return { key, value: JSON.stringify(envelope), headers: { ...envelopeHeaders(envelope), ...headers } };
}

/** The headers every event message carries: its type and version, readable without parsing it. */
export function envelopeHeaders(envelope: { type: string; version: number | string }): IHeaders {
  return { "event-type": envelope.type, "event-version": String(envelope.version) };
}

export interface EventProducer {
  readonly producer: Producer;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Sends events; resolves once every in-sync replica has them (acks = -1). */
  publish(events: OutgoingEvent[]): Promise<EventEnvelope[]>;
  /** Sends pre-built messages (outbox relay, dead letters, verbatim forwards). */
  sendRaw(topic: string, messages: Message[]): Promise<void>;
}

export function createEventProducer(kafka: Kafka, options: { idempotent?: boolean } = {}): EventProducer {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: options.idempotent ?? false,
    maxInFlightRequests: options.idempotent ? 1 : 5,
  });
  return {
    producer,
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async publish(events) {
      const envelopes = events.map((e) => buildEnvelope(e));
      const byTopic = new Map<string, Message[]>();
      events.forEach((event, i) => {
        const list = byTopic.get(event.topic) ?? [];
        list.push(toKafkaMessage(event.key, envelopes[i] as EventEnvelope, event.headers));
        byTopic.set(event.topic, list);
      });
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      return envelopes;
    },
    async sendRaw(topic, messages) {
      await producer.send({ topic, messages, acks: -1 });
    },
  };
}
