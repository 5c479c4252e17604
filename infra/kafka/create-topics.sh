#!/usr/bin/env bash
# Creates the project's topics on a real Kafka (docker-compose.yml). The catalog is
# packages/shared/src/events/topics.ts; a test checks that this list matches it.
set -euo pipefail
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
TOPICS=(
  "speed.commands:8"
  "speed.commands.dlq:1"
  "speed.events:4"
  "speed.events.dlq:1"
  "chain.deposits:4"
  "chain.deposits.dlq:1"
  "indexer.snapshots:1"
  "indexer.snapshots.dlq:1"
  "airdrop.events:1"
  "airdrop.events.dlq:1"
)
for attempt in $(seq 1 60); do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1 && break
  echo "waiting for Kafka at $BOOTSTRAP ($attempt)"; sleep 2
done
for entry in "${TOPICS[@]}"; do
  name="${entry%%:*}"; partitions="${entry##*:}"
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1
done
echo "topics ready"
