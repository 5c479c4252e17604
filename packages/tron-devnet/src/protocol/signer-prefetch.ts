import { Worker } from "node:worker_threads";

/**
 * Signature recovery ahead of the chain, on a worker thread. Recovering a broadcast's signer
 * (libsecp256k1 + keccak) is the largest single cost of accepting it; done on the HTTP thread it
 * caps the devnet at one core. The fast path hands each broadcast's (txID, first signature) to
 * this worker as soon as the body is read, batching whatever arrives in the same turn of the event
 * loop, and answers the request once the batch is back. The result only fills a memo of a pure
 * function: `recoverSigner` (crypto.ts) takes the signer recorded for exactly that (digest,
 * signature) pair and otherwise recovers inline, so the chain's checks, their order and their
 * replies are unchanged — a body whose txID is not the real sha256 of its raw data, a second
 * signature, or a worker that died simply miss the memo.
 */

const RECORD = 97; // 32-byte digest ‖ 65-byte signature
/** Memo entries are removed when used; ones never used (a broadcast refused before its signature
 * was checked) are dropped wholesale past this size. */
const MEMO_LIMIT = 50_000;
const memo = new Map<string, string | null>();
const MAX_IN_FLIGHT = 2;

function memoKey(digest: Uint8Array, signature: Uint8Array): string {
  return (
    Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("latin1") +
    Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString("latin1")
  );
}

/** The signer recovered in advance for this exact pair (then forgotten), or undefined. */
export function takePrefetchedSigner(digest: Uint8Array, signature: Uint8Array): string | null | undefined {
  if (memo.size === 0) return undefined;
  const key = memoKey(digest, signature);
  const signer = memo.get(key);
  if (signer !== undefined) memo.delete(key);
  return signer;
}

interface Pending {
  record: Uint8Array;
  key: string;
  done: () => void;
}

const WORKER_URL = new URL("../../workers/recover-signers.mjs", import.meta.url);

export class SignerPrefetch {
  private readonly worker: Worker;
  private queue: Pending[] = [];
  /** Batches posted and not yet answered, oldest first (the worker answers in order). Two keep it
   * busy: the next batch is already waiting when one is answered. */
  private inFlight: Pending[][] = [];
  private scheduled = false;
  private usable = true;

  /** `onFailure` hears why the worker stopped helping (it is not called for close()). */
  constructor(private readonly onFailure: (error: Error) => void = () => {}) {
    this.worker = new Worker(WORKER_URL);
    this.worker.unref();
    this.worker.on("message", (signers: (string | null)[]) => {
      const batch = this.inFlight.shift() ?? [];
      if (memo.size + batch.length > MEMO_LIMIT) memo.clear();
      for (const [i, pending] of batch.entries()) {
        const signer = signers[i];
        if (signer !== undefined) memo.set(pending.key, signer);
        pending.done();
      }
      this.flush();
    });
    // A worker that cannot start or dies costs speed, never an answer: release everything and
    // let recoverSigner work inline from now on.
    this.worker.on("error", (error) => {
      if (this.usable) this.onFailure(error);
      this.release();
    });
    this.worker.on("exit", (code) => {
      if (this.usable) this.onFailure(new Error(`signature worker exited with code ${code}`));
      this.release();
    });
  }

  /** Calls `done` once the signer of (digest, signature) is memoised, or at once if it cannot be. */
  prefetch(digest: Uint8Array, signature: Uint8Array, done: () => void): void {
    if (!this.usable || digest.length !== 32 || signature.length !== 65) {
      done();
      return;
    }
    const record = new Uint8Array(RECORD);
    record.set(digest, 0);
    record.set(signature, 32);
    this.queue.push({ record, key: memoKey(digest, signature), done });
    if (this.inFlight.length < MAX_IN_FLIGHT && !this.scheduled) {
      // Gather every body completed in this turn of the event loop into one message.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  async close(): Promise<void> {
    this.usable = false;
    await this.worker.terminate();
    this.release();
  }

  private flush(): void {
    if (this.inFlight.length >= MAX_IN_FLIGHT || this.queue.length === 0 || !this.usable) return;
    const batch = this.queue;
    this.queue = [];
    const bytes = new Uint8Array(batch.length * RECORD);
    for (const [i, pending] of batch.entries()) bytes.set(pending.record, i * RECORD);
    this.inFlight.push(batch);
    this.worker.postMessage(bytes.buffer, [bytes.buffer]);
  }

  private release(): void {
    this.usable = false;
    const waiting = [...this.inFlight.flat(), ...this.queue];
    this.inFlight = [];
    this.queue = [];
    for (const pending of waiting) pending.done();
  }
}
