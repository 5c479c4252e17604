// Preloaded into the Prisma CLI (see infra/prisma/README.md).
// Prisma 6.19's WASM schema engine arms a 10 s timer that it never clears, so every
// `prisma migrate deploy` sits idle for 10 s after its work is done. Timers created by the
// CLI's bundle are unref'd here: they still fire while the CLI works, but no longer keep a
// finished process alive.
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = function setTimeoutUnrefInPrismaCli(callback, delayMs, ...args) {
  const timer = originalSetTimeout(callback, delayMs, ...args);
  const stack = new Error().stack ?? "";
  if (stack.includes("/prisma/build/")) timer.unref?.();
  return timer;
};
