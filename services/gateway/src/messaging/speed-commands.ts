import { AppError, errorMessage } from "@btt/shared/errors";
import { commandAccount, type SignedSpeedCommand } from "@btt/shared/events";
import { buildEnvelope, type EventProducer, toKafkaMessage } from "@btt/shared/kafka";
import type { Message } from "kafkajs";

/** How long a produce may take before the client is told Kafka is unavailable. */
export const PRODUCE_TIMEOUT_MS = 5_000;
/** The most commands one produce request carries. */
export const PRODUCE_BATCH_MAX = 500;

interface Waiting {
  message: Message;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Its caller gave up (timeout): not sent if still queued. */
  abandoned: boolean;
}

/**
 * Group commit for `speed.commands`: one produce request in flight at a time; the commands that
 * arrive meanwhile wait for it and then go together as the next request (one record batch per
 * partition). An idle gateway sends a command at once — nothing lingers on a timer — and a busy
 * one sends fewer, larger requests: Kafka's own producer batching, which kafkajs does not do. A
 * failed request fails every command it carried (each caller answers 503, and clients retry:
 * commands are idempotent by signer and id). Order is kept: requests never overlap.
 */
class CommandBatcher {
  private queue: Waiting[] = [];
  private sending = false;

  constructor(private readonly producer: EventProducer) {}

  send(waiting: Waiting): void {
    this.queue.push(waiting);
    this.pump();
  }

  private pump(): void {
    if (this.sending) return;
    const batch: Waiting[] = [];
    while (batch.length < PRODUCE_BATCH_MAX && this.queue.length > 0) {
      const next = this.queue.shift() as Waiting;
      if (!next.abandoned) batch.push(next);
    }
    if (batch.length === 0) return;
    this.sending = true;
    this.producer
      .sendRaw(
        "speed.commands",
        batch.map((w) => w.message),
      )
      .then(
        () => {
          for (const w of batch) w.resolve();
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        this.sending = false;
        this.pump();
      });
  }
}

const batchers = new WeakMap<EventProducer, CommandBatcher>();

function batcherFor(producer: EventProducer): CommandBatcher {
  let batcher = batchers.get(producer);
  if (!batcher) {
    batcher = new CommandBatcher(producer);
    batchers.set(producer, batcher);
  }
  return batcher;
}

/**
 * Forwards a verified command verbatim (with its signature) to `speed.commands`, keyed by the
 * account it debits, and resolves once every in-sync replica has it (acks = -1).
 */
export async function forwardSpeedCommand(
  producer: EventProducer,
  signed: SignedSpeedCommand,
  receivedAt: Date,
): Promise<void> {
  // Checked against the event contract here, so a bad command fails alone, never its batch.
  const key = commandAccount(signed.command);
  const message = toKafkaMessage(
    key,
    buildEnvelope({
      topic: "speed.commands",
      key,
      event: "speed.command@1",
      payload: { command: signed.command, signature: signed.signature, receivedAt: receivedAt.toISOString() },
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  let waiting: Waiting | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      waiting = { message, resolve, reject, abandoned: false };
      timer = setTimeout(() => {
        if (waiting) waiting.abandoned = true;
        reject(new Error(`no acknowledgement within ${PRODUCE_TIMEOUT_MS} ms`));
      }, PRODUCE_TIMEOUT_MS);
      batcherFor(producer).send(waiting);
    });
  } catch (error) {
    throw new AppError("UNAVAILABLE", `the command could not be queued: ${errorMessage(error)}`, {
      cause: error,
      retryAfterSeconds: 2,
    });
  } finally {
    clearTimeout(timer);
  }
}
