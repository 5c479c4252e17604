// Steps and waits of the demo. A failing step says which step it was and which logs tell more;
// Ctrl-C (the abort signal) ends every wait at once, quietly.
import { setTimeout as sleep } from "node:timers/promises";

export class DemoStepError extends Error {
  /** `logs`: the processes whose logs (.btt/logs/<name>.log) explain a failure of this step. */
  constructor(step, message, logs = []) {
    super(message);
    this.name = "DemoStepError";
    this.step = step;
    this.logs = logs;
  }
}

export function isAbort(error, signal) {
  return signal?.aborted === true || error?.name === "AbortError";
}

/** Runs `work` as the step `name`; whatever it throws (except an abort) names that step. */
export async function step(name, logs, work) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DemoStepError || error?.name === "AbortError") throw error;
    throw new DemoStepError(name, error.message, logs);
  }
}

/**
 * Polls `probe()` every `intervalMs` until it returns something other than undefined/false and
 * returns that; `onTimeout()` gives the message after `timeoutMs`. Transient errors of the probe
 * (a busy service) are retried until the deadline.
 */
export async function waitUntil(probe, { timeoutMs, intervalMs = 1_000, signal, onTimeout }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const message = onTimeout();
      throw new Error(lastError ? `${message} (last error: ${lastError.message})` : message);
    }
    await sleep(intervalMs, undefined, { signal });
  }
}

/** Runs `work(item)` over `items`, at most `limit` at a time; results in input order. */
export async function mapLimited(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
