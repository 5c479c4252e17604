import { Kafka, type KafkaConfig, logLevel as KafkaLogLevel, type LogEntry } from "kafkajs";
import type { Logger } from "../logger/index.js";

export interface CreateKafkaOptions {
  clientId: string;
  brokers: string[];
  logger: Logger;
  /** Overrides for kafkajs (timeouts, retry). */
  config?: Partial<KafkaConfig>;
}

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [KafkaLogLevel.ERROR]: "error",
  [KafkaLogLevel.WARN]: "warn",
  [KafkaLogLevel.INFO]: "info",
  [KafkaLogLevel.DEBUG]: "debug",
};

/** A kafkajs client logging through the service's pino logger. */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const logger = options.logger.child({ component: "kafka" });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        logger[LEVELS[level] ?? "info"](rest, message);
      },
    ...options.config,
  });
}
