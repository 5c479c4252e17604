/** A dependency whose state `/readyz` reports. */
export interface ReadinessCheck {
  name: string;
  /** Critical dependencies make the service unready (503); others are listed only. */
  critical: boolean;
  /** Resolves when the dependency answers; throws (or times out) when it does not. */
  check: () => Promise<void>;
}

export interface DependencyState {
  name: string;
  critical: boolean;
  state: "up" | "down";
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  status: "ready" | "unready";
  dependencies: DependencyState[];
}

export const READINESS_CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<DependencyState> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      name: check.name,
      critical: check.critical,
      state: "up",
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      name: check.name,
      critical: check.critical,
      state: "down",
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = READINESS_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const dependencies = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const ready = dependencies.every((d) => d.state === "up" || !d.critical);
  return { status: ready ? "ready" : "unready", dependencies };
}
