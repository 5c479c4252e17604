// Process and tool helpers for the stack runner. Plain Node (no dependencies): these run before
// `pnpm install` has ever happened on a fresh clone.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where the runner keeps its state (stack.json, logs, data); BTT_STATE_DIR overrides, e.g. in tests. */
export const STATE_DIR = process.env.BTT_STATE_DIR
  ? path.resolve(process.env.BTT_STATE_DIR)
  : path.join(REPO_ROOT, ".btt");
export const LOG_DIR = path.join(STATE_DIR, "logs");
export const PNPM_VERSION = "10.20.0";

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = (t) => paint("1", t);
export const dim = (t) => paint("2", t);
export const green = (t) => paint("32", t);
export const red = (t) => paint("31", t);
export const yellow = (t) => paint("33", t);

export function step(message) {
  console.log(`${bold("▸")} ${message}`);
}
export function ok(message) {
  console.log(`  ${green("✓")} ${message}`);
}
export function warn(message) {
  console.log(`  ${yellow("!")} ${message}`);
}
export function fail(message) {
  console.error(`${red("✗")} ${message}`);
}

/** Runs a command with inherited output; throws with the command line on a non-zero exit. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: REPO_ROOT, ...options });
  if (result.error) throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) {
    if (result.stdout) process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    const error = new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
    error.exitCode = result.status ?? 1;
    throw error;
  }
}

export function commandExists(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

let pnpmCommand;
const BIN_DIR = path.join(REPO_ROOT, ".btt", "bin");

/**
 * pnpm at the version of package.json's `packageManager`, also put on PATH (Turborepo looks for a
 * `pnpm` binary). Corepack needs its signature check relaxed here (PLATFORM.md: the registry's
 * metadata lacks the signatures it checks); npx is the fallback.
 */
export function pnpm() {
  if (pnpmCommand) return pnpmCommand;
  const corepackEnv = { COREPACK_INTEGRITY_KEYS: "0", COREPACK_ENABLE_DOWNLOAD_PROMPT: "0" };
  const candidates = [
    { command: "pnpm", args: [], env: {} },
    { command: "corepack", args: ["pnpm"], env: corepackEnv },
    { command: "npx", args: ["-y", `pnpm@${PNPM_VERSION}`], env: {} },
  ];
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate.command, [...candidate.args, "--version"], {
        env: { ...process.env, ...candidate.env },
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 120_000,
      })
        .toString()
        .trim();
      if (version !== PNPM_VERSION) continue;
      if (candidate.command !== "pnpm") {
        ensureDir(BIN_DIR);
        const exports = Object.entries(candidate.env)
          .map(([k, v]) => `export ${k}=${v}\n`)
          .join("");
        writeFileSync(
          path.join(BIN_DIR, "pnpm"),
          `#!/bin/sh\n${exports}exec ${[candidate.command, ...candidate.args].join(" ")} "$@"\n`,
          {
            mode: 0o755,
          },
        );
      }
      process.env.PATH = `${BIN_DIR}${path.delimiter}${process.env.PATH}`;
      pnpmCommand = { command: "pnpm", args: [], env: {} };
      return pnpmCommand;
    } catch {
      // try the next way
    }
  }
  throw new Error(`cannot run pnpm ${PNPM_VERSION} (tried pnpm, corepack and npx)`);
}

export function runPnpm(args, options = {}) {
  const { command, args: prefix } = pnpm();
  // PATH after pnpm(): callers build options.env before the shim directory is on it.
  run(command, [...prefix, ...args], {
    ...options,
    env: { ...process.env, ...options.env, PATH: process.env.PATH },
  });
}

/** Installs Debian packages that are missing (root; `apt-get update` once first). */
export function ensureAptPackages(packages) {
  const missing = packages.filter(({ command }) => !commandExists(command));
  if (missing.length === 0) return;
  const names = missing.flatMap((p) => [p.package].flat());
  step(`installing Debian packages: ${names.join(", ")}`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (args) =>
    run(sudo[0] ?? "apt-get", [...(sudo.length ? ["apt-get"] : []), ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  apt(["update", "-qq"]);
  apt(["install", "-y", "-qq", "--no-install-recommends", ...names]);
}

/** Spawns a long-running child in its own process group, output appended to a log file. */
export function spawnLogged(name, command, args, { env, logFile, cwd = REPO_ROOT }) {
  ensureDir(path.dirname(logFile));
  const child = spawn("sh", ["-c", `exec "$0" "$@" >>"${logFile}" 2>&1`, command, ...args], {
    cwd,
    env,
    detached: true,
    stdio: "ignore",
  });
  child.name = name;
  return child;
}

/** SIGTERM to the child's process group, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export function fileExists(file) {
  return existsSync(file);
}
