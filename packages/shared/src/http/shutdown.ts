import type { Logger } from "../logger/index.js";

export type ShutdownHook = () => Promise<void> | void;

export interface Shutdown {
  /** Hooks run in reverse order of registration (last opened, first closed). */
  add(name: string, hook: ShutdownHook): void;
  /**
   * Runs every hook once; resolves when all are done or the hard timeout fired. Exits 0 after a
   * clean shutdown, 1 when a hook failed, the timeout fired, or `failed` says the cause was a fault.
   */
  run(reason: string, failed?: boolean): Promise<void>;
  /** Installs SIGTERM/SIGINT handlers that run the hooks and exit. */
  installSignalHandlers(): void;
}

export interface CreateShutdownOptions {
  logger: Logger;
  timeoutMs: number;
  /** Called after the hooks ran (or timed out); default: process.exit. */
  exit?: (code: number) => void;
}

export function createShutdown(options: CreateShutdownOptions): Shutdown {
  const hooks: { name: string; hook: ShutdownHook }[] = [];
  let running: Promise<void> | undefined;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  async function runHooks(): Promise<boolean> {
    let clean = true;
    for (const { name, hook } of [...hooks].reverse()) {
      try {
        await hook();
      } catch (error) {
        clean = false;
        options.logger.error({ err: error, hook: name }, "shutdown hook failed");
      }
    }
    return clean;
  }

  const shutdown: Shutdown = {
    add(name, hook) {
      hooks.push({ name, hook });
    },
    run(reason, failed = false) {
      if (running) return running;
      options.logger.info({ reason }, "shutting down");
      running = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          options.logger.error({ timeoutMs: options.timeoutMs }, "graceful shutdown timed out; exiting");
          exit(1);
          resolve();
        }, options.timeoutMs);
        timer.unref();
        void runHooks().then((clean) => {
          clearTimeout(timer);
          options.logger.info({ clean }, "shutdown complete");
          exit(clean && !failed ? 0 : 1);
          resolve();
        });
      });
      return running;
    },
    installSignalHandlers() {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => void shutdown.run(signal));
      }
    },
  };
  return shutdown;
}
