import { Worker } from "node:worker_threads";
import { type ParsedSpeedCommand, parseSpeedCommandValue } from "@btt/shared/events";

/**
 * Parses and verifies `speed.commands` messages on worker threads. A command's schema checks,
 * canonical form, hashes and — above all — signer recovery (libsecp256k1) are most of what the
 * consumer spends on it; on the consumer's thread they would hold up the replies of PostgreSQL in
 * an open transaction behind a whole run's parsing. A run's values go to a worker end to end in
 * one buffer (round-robin to the least loaded of `threads` workers); the worker computes exactly
 * `parseSpeedCommandValue`. With `threads: 0`, or once a worker has failed, parsing runs inline:
 * a broken worker costs speed, never a verdict.
 */

const WORKER_URL = new URL("../../workers/parse-commands.mjs", import.meta.url);

interface Batch {
  resolve: (results: ParsedSpeedCommand[]) => void;
  reject: (error: Error) => void;
}

class ParserWorker {
  readonly worker: Worker;
  private readonly pending = new Map<number, Batch>();
  private nextId = 0;
  failure: Error | null = null;

  constructor(private readonly onFailure: (error: Error) => void) {
    this.worker = new Worker(WORKER_URL);
    this.worker.unref();
    this.worker.on("message", ({ id, results }: { id: number; results: ParsedSpeedCommand[] }) => {
      const batch = this.pending.get(id);
      this.pending.delete(id);
      batch?.resolve(results);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`command parser worker exited with code ${code}`)));
  }

  get load(): number {
    return this.pending.size;
  }

  parse(bytes: Uint8Array<ArrayBuffer>, ends: Uint32Array<ArrayBuffer>): Promise<ParsedSpeedCommand[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, bytes, ends }, [bytes.buffer, ends.buffer]);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error("the command parser is closed");
    await this.worker.terminate();
    this.rejectAll(this.failure);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.onFailure(error);
    this.rejectAll(error);
  }

  private rejectAll(error: Error): void {
    for (const batch of this.pending.values()) batch.reject(error);
    this.pending.clear();
  }
}

export class CommandParser {
  readonly workers: readonly ParserWorker[];

  /** `onFailure` hears why a worker stopped helping (not called for close()). */
  constructor(threads: number, onFailure: (error: Error) => void = () => {}) {
    this.workers = Array.from({ length: Math.max(0, threads) }, () => new ParserWorker(onFailure));
  }

  /** Each value parsed and verified, in order. */
  async parse(values: readonly (Buffer | null)[]): Promise<ParsedSpeedCommand[]> {
    const worker = this.workers
      .filter((w) => w.failure === null)
      .reduce<ParserWorker | null>((best, w) => (best === null || w.load < best.load ? w : best), null);
    if (worker !== null && values.length > 0) {
      const ends = new Uint32Array(values.length);
      let length = 0;
      for (const [i, value] of values.entries()) {
        length += value?.length ?? 0;
        ends[i] = length;
      }
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const value of values) {
        if (value) bytes.set(value, at);
        at += value?.length ?? 0;
      }
      try {
        const results = await worker.parse(bytes, ends);
        // Structured cloning turns the digest Buffer into a plain Uint8Array.
        for (const r of results)
          if (r.ok)
            r.verified.digest = Buffer.from(r.verified.digest.buffer, r.verified.digest.byteOffset, 32);
        return results;
      } catch {
        // The worker failed (reported through onFailure) or the parser closed: parse inline.
      }
    }
    return values.map((value) => parseSpeedCommandValue(value));
  }

  /** Workers still parsing (the rest failed and their share runs inline). */
  get liveWorkers(): number {
    return this.workers.filter((w) => w.failure === null).length;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
