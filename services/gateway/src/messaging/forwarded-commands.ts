/** How long this gateway answers `queued` for a command it put on Kafka and the ledger has not seen. */
export const FORWARDED_COMMAND_TTL_MS = 15 * 60_000;
/** Bound on the memory this takes: the oldest are forgotten first. */
export const FORWARDED_COMMANDS_MAX = 50_000;

/**
 * Commands this gateway instance put on `speed.commands` recently. Only the producer can know a
 * command is queued: the ledger has no record of it until it has consumed it. Per instance and in
 * memory, so another instance (or this one after a restart) answers 404 for the same command.
 */
export class ForwardedCommands {
  /** commandId → command type and when it was forwarded, oldest first (Map keeps insertion order). */
  private readonly entries = new Map<string, { type: string; atMs: number }>();

  constructor(
    private readonly ttlMs = FORWARDED_COMMAND_TTL_MS,
    private readonly max = FORWARDED_COMMANDS_MAX,
  ) {}

  add(commandId: string, type: string, nowMs = Date.now()): void {
    this.entries.delete(commandId);
    this.entries.set(commandId, { type, atMs: nowMs });
    this.prune(nowMs);
  }

  /** The command's type while it counts as recently forwarded, else undefined. */
  typeOf(commandId: string, nowMs = Date.now()): string | undefined {
    const entry = this.entries.get(commandId);
    if (!entry || nowMs - entry.atMs >= this.ttlMs) return undefined;
    return entry.type;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(nowMs: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.max && nowMs - entry.atMs < this.ttlMs) return;
      this.entries.delete(id);
    }
  }
}
