export { type CreateKafkaOptions, createKafka } from "./client.js";
export {
  type ConsumedEvent,
  PermanentMessageError,
  parseEventMessage,
  type RunConsumerOptions,
  type RunningConsumer,
  runEventConsumer,
  sendToDeadLetter,
} from "./consumer.js";
export { pingKafka } from "./health.js";
export {
  createOutboxRelay,
  enqueueOutbox,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxTable,
  outboxTableDdl,
  outboxTableFor,
} from "./outbox.js";
export {
  buildEnvelope,
  createEventProducer,
  type EventProducer,
  type OutgoingEvent,
  type TopicOf,
  toKafkaMessage,
} from "./producer.js";
export { type OutboxPublisher, startOutboxPublisher } from "./publisher.js";
