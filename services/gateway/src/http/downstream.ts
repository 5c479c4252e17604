import type { ReadinessCheck } from "@btt/shared/http";

const DOWNSTREAM_TIMEOUT_MS = 1_500;

/** A downstream service is "up" when its own `/readyz` answers 200. */
export function downstreamCheck(name: string, baseUrl: string): ReadinessCheck {
  return {
    name,
    critical: false,
    async check() {
      const response = await fetch(`${baseUrl}/readyz`, {
        signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
    },
  };
}
