import { AppError } from "@btt/shared/errors";
import type { EventEnvelope } from "@btt/shared/events";

/** How many streams may be open, per account and on this instance: every limit explicit. */
export interface AccountEventLimits {
  maxPerAccount: number;
  maxTotal: number;
}

export const DEFAULT_ACCOUNT_EVENT_LIMITS: AccountEventLimits = { maxPerAccount: 16, maxTotal: 5_000 };
/** A client refused for lack of room tries again after this. */
export const STREAMS_FULL_RETRY_AFTER_SECONDS = 10;

/** One open stream, as the hub sees it. */
export interface EventSink {
  /** Takes one frame, or answers false when it cannot (gone, or too far behind): it is then dropped. */
  write(frame: string): boolean;
  /** Ends the stream: `graceful` when the hub is closing, not when the sink could not keep up. */
  close(graceful: boolean): void;
}

/** The event in the text/event-stream format: its id, its type, the whole envelope as data. */
export function sseFrame(envelope: EventEnvelope): string {
  // JSON.stringify escapes every line break, so the data is one line, as a data: field must be.
  return `id: ${envelope.id}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`;
}

/** The accounts an event concerns: the message key, `payload.account`, each `payload.effects[].account`. */
export function accountsOf(key: string | null, payload: unknown): Set<string> {
  const accounts = new Set<string>();
  if (key) accounts.add(key);
  if (typeof payload !== "object" || payload === null) return accounts;
  const { account, effects } = payload as { account?: unknown; effects?: unknown };
  if (typeof account === "string" && account) accounts.add(account);
  if (Array.isArray(effects)) {
    for (const effect of effects) {
      const owner = (effect as { account?: unknown } | null)?.account;
      if (typeof owner === "string" && owner) accounts.add(owner);
    }
  }
  return accounts;
}

/**
 * Fans `speed.events` out to the streams open on each account (`GET /v1/speed/accounts/{a}/events`).
 * Live only: a stream sees what this instance consumes after it opened, nothing is replayed, and a
 * sink that cannot take a frame is dropped rather than buffered for.
 */
export class AccountEventHub {
  private readonly byAccount = new Map<string, Set<EventSink>>();
  private open = 0;
  private closed = false;

  constructor(private readonly limits: AccountEventLimits = DEFAULT_ACCOUNT_EVENT_LIMITS) {}

  /** Registers a stream; throws UNAVAILABLE when full or closing. Returns its (idempotent) removal. */
  subscribe(account: string, sink: EventSink): () => void {
    if (this.closed) throw full("this gateway is shutting down");
    if (this.open >= this.limits.maxTotal) throw full("too many event streams are open on this gateway");
    const sinks = this.byAccount.get(account) ?? new Set<EventSink>();
    if (sinks.size >= this.limits.maxPerAccount)
      throw full(`too many event streams are open for ${account} (at most ${this.limits.maxPerAccount})`);
    sinks.add(sink);
    this.byAccount.set(account, sinks);
    this.open += 1;
    return () => this.remove(account, sink);
  }

  /** Sends the event to every stream of every account it concerns; returns how many got it. */
  publish(event: { key: string | null; envelope: EventEnvelope }): number {
    let delivered = 0;
    let frame: string | undefined;
    for (const account of accountsOf(event.key, event.envelope.payload)) {
      const sinks = this.byAccount.get(account);
      if (!sinks) continue;
      frame ??= sseFrame(event.envelope);
      for (const sink of [...sinks]) {
        if (tryWrite(sink, frame)) delivered += 1;
        else this.drop(account, sink);
      }
    }
    return delivered;
  }

  /** Writes a frame to one stream (a heartbeat), dropping it when it cannot take it. */
  send(account: string, sink: EventSink, frame: string): boolean {
    if (tryWrite(sink, frame)) return true;
    this.drop(account, sink);
    return false;
  }

  /** Ends every stream and refuses new ones (shutdown: open streams would hold the server open). */
  closeAll(): void {
    this.closed = true;
    for (const [account, sinks] of [...this.byAccount]) {
      for (const sink of [...sinks]) {
        this.remove(account, sink);
        sink.close(true);
      }
    }
  }

  /** Open streams, on one account or in all. */
  size(account?: string): number {
    return account === undefined ? this.open : (this.byAccount.get(account)?.size ?? 0);
  }

  private drop(account: string, sink: EventSink): void {
    if (this.remove(account, sink)) sink.close(false);
  }

  private remove(account: string, sink: EventSink): boolean {
    const sinks = this.byAccount.get(account);
    if (!sinks?.delete(sink)) return false;
    if (sinks.size === 0) this.byAccount.delete(account);
    this.open -= 1;
    return true;
  }
}

function full(message: string): AppError {
  return new AppError("UNAVAILABLE", message, { retryAfterSeconds: STREAMS_FULL_RETRY_AFTER_SECONDS });
}

function tryWrite(sink: EventSink, frame: string): boolean {
  try {
    return sink.write(frame);
  } catch {
    return false;
  }
}
