import { AppError, errorMessage } from "@btt/shared/errors";
import { commandAccount, type SignedSpeedCommand } from "@btt/shared/events";
import type { EventProducer } from "@btt/shared/kafka";

/** How long a produce may take before the client is told Kafka is unavailable. */
export const PRODUCE_TIMEOUT_MS = 5_000;

/**
 * Forwards a verified command verbatim (with its signature) to `speed.commands`, keyed by the
 * account it debits, and resolves once every in-sync replica has it (acks = -1).
 */
export async function forwardSpeedCommand(
  producer: EventProducer,
  signed: SignedSpeedCommand,
  receivedAt: Date,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      producer.publish([
        {
          topic: "speed.commands",
          key: commandAccount(signed.command),
          event: "speed.command@1",
          payload: {
            command: signed.command,
            signature: signed.signature,
            receivedAt: receivedAt.toISOString(),
          },
        },
      ]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no acknowledgement within ${PRODUCE_TIMEOUT_MS} ms`)),
          PRODUCE_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    throw new AppError("UNAVAILABLE", `the command could not be queued: ${errorMessage(error)}`, {
      cause: error,
      retryAfterSeconds: 2,
    });
  } finally {
    clearTimeout(timer);
  }
}
