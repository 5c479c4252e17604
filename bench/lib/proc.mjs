// What the kernel knows of a benchmarked process (Linux /proc).
import { readFileSync } from "node:fs";

/** utime and stime of a process so far, in microseconds (clock ticks are 10 ms here). */
export function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

/** CPU microseconds (user + kernel) a process has used since `before` (a cpuMicros reading). */
export function cpuMicrosSince(pid, before) {
  const now = cpuMicros(pid);
  return now.user - before.user + (now.system - before.system);
}

/** Peak resident memory of a process, MB (VmHWM). */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}
