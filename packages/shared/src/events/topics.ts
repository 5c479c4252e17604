import type { EventKey } from "./catalog.js";

/**
 * The topic catalog (ARCHITECTURE.md). Partition counts bound consumer parallelism: speed
 * commands scale by partitions keyed by the debited account.
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** What the message key is. */
  key: string;
  /** Event types allowed on the topic. */
  events: readonly EventKey[];
}

export const TOPICS = {
  speedCommands: {
    name: "speed.commands",
    partitions: 8,
    key: "the command's account (payer; account for withdrawals)",
    events: ["speed.command@1"],
  },
  speedEvents: {
    name: "speed.events",
    partitions: 4,
    key: "account address",
    events: ["command.accepted@1", "command.rejected@1", "balance.changed@1", "withdrawal.state@1"],
  },
  chainDeposits: {
    name: "chain.deposits",
    partitions: 4,
    key: "sender address",
    events: ["chain.deposit@1"],
  },
  indexerSnapshots: {
    name: "indexer.snapshots",
    partitions: 1,
    key: "height",
    events: ["snapshot.completed@1"],
  },
  airdropEvents: {
    name: "airdrop.events",
    partitions: 1,
    key: "schedule entry id or round id",
    events: ["schedule.changed@1", "round.state@1"],
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]["name"];

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Every topic with its dead-letter topic: what a broker must create for this project. */
export function allTopics(): { name: string; partitions: number }[] {
  return Object.values(TOPICS).flatMap((topic) => [
    { name: topic.name, partitions: topic.partitions },
    { name: deadLetterTopic(topic.name), partitions: 1 },
  ]);
}
