// Where a process spent its time: a V8 .cpuprofile summarised by self time.
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "../../infra/stack/lib/tools.mjs";

/** Self time of a .cpuprofile by function and by where the code lives. */
export function summariseProfile(file, label) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  const self = new Map();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const where = (url) => {
    if (!url) return "(V8/native)";
    if (url.startsWith("node:")) return "node internals";
    const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1];
    const r = /\/(services\/[^/]+|packages\/[^/]+)\//.exec(url);
    return r ? r[1] : url;
  };
  const fns = new Map();
  const modules = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || "(anonymous)";
    const file = callFrame.url ? callFrame.url.replace(/^file:\/\//, "").replace(`${REPO_ROOT}/`, "") : "";
    const fnKey = file
      ? `${name}  ${file.replace(/.*node_modules\//, "")}:${callFrame.lineNumber + 1}`
      : name;
    fns.set(fnKey, (fns.get(fnKey) ?? 0) + us);
    const mod = where(callFrame.url);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) => `    ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2)} s  ${k}`,
      )
      .join("\n");
  return `  ${label}, by module (self time):\n${top(modules, 12)}\n  by function:\n${top(fns, 25)}`;
}
