// Types for infra/kafka-dev/index.mjs (librdkafka 2.15 mock cluster as a development broker).

export interface EnsureKafkaDevBuiltOptions {
  /** Rebuild librdkafka and the launcher even if the stamp matches. */
  force?: boolean;
  /** Do not print progress lines to stderr. */
  quiet?: boolean;
}

export interface KafkaDevBuildResult {
  /** Absolute path of the broker binary (infra/kafka-dev/.build/kafka-dev-broker). */
  binary: string;
  /** True if this call built something, false if it was up to date. */
  built: boolean;
  /** librdkafka version compiled in, e.g. "2.15.1". */
  librdkafkaVersion: string;
  /** Pinned @confluentinc/kafka-javascript version whose deps/librdkafka was built, e.g. "1.10.1". */
  packageVersion: string;
}

export interface KafkaDevTopic {
  /** Kafka topic name: [A-Za-z0-9._-]{1,249}. */
  name: string;
  /** Partition count, default 1. Replication factor is min(3, brokers). */
  partitions?: number;
}

export interface StartKafkaDevOptions {
  /** Topics created at launch (the mock does not support CreateTopics). */
  topics?: KafkaDevTopic[];
  /** Number of mock brokers (ids 1..N, controller = 1). Default 1. */
  brokers?: number;
  /** Fixed listening port of broker 1 (broker i gets port + i - 1). Default: ephemeral ports. */
  port?: number;
  /** Append the broker's stderr (librdkafka log) to this file instead of buffering it. */
  logFile?: string;
  /** Let the broker write to this process's stderr (ignored if logFile is set). */
  inheritStderr?: boolean;
  /** librdkafka log up to debug level (default: errors only). */
  verbose?: boolean;
  /** librdkafka debug contexts, e.g. "mock" or "mock,protocol" (very chatty). */
  debug?: string;
  /** group.initial.rebalance.delay.ms of the mock (default 3000, as Kafka's). 0 speeds up first joins. */
  rebalanceDelayMs?: number;
  /** How long to wait for the broker to listen. Default 15000 ms (it takes a few ms). */
  startTimeoutMs?: number;
  /** stop(): SIGKILL if SIGTERM did not end the broker within this time. Default 5000 ms. */
  killAfterMs?: number;
  /** Do not keep this Node process alive for the broker (it still dies with this process). Default false. */
  unref?: boolean;
  /** Do not print build progress if a build is needed. */
  quietBuild?: boolean;
}

export interface KafkaDev {
  /** Comma-separated bootstrap list, e.g. "127.0.0.1:39092". */
  bootstrap: string;
  /** The same list split, for kafkajs `brokers`. */
  brokers: string[];
  /** Broker process id. */
  pid: number;
  /** SIGTERM, wait for exit (SIGKILL after killAfterMs). Idempotent. All data is lost. */
  stop(): Promise<void>;
  /** Resolves when the broker process exits, for any reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function ensureKafkaDevBuilt(opts?: EnsureKafkaDevBuiltOptions): Promise<KafkaDevBuildResult>;

export function startKafkaDev(options?: StartKafkaDevOptions): Promise<KafkaDev>;
