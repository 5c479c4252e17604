// Programmatic API of the Kafka development broker (librdkafka 2.15 mock cluster).
// Plain Node ESM, no npm dependencies. Types: index.d.mts. See README.md.

import { spawn } from "node:child_process";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ensureBuilt } from "./build.mjs";

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const live = new Set();
let exitHookInstalled = false;

/**
 * Builds the broker binary if needed (about a minute the first time, a stamp check afterwards).
 * @param {{force?: boolean, quiet?: boolean}} [opts]
 */
export async function ensureKafkaDevBuilt(opts = {}) {
  return ensureBuilt(opts);
}

function tailOfFile(path, max = 4096) {
  let fd;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Starts a mock Kafka cluster on 127.0.0.1 and resolves once it listens.
 * @param {import("./index.d.mts").StartKafkaDevOptions} [options]
 * @returns {Promise<import("./index.d.mts").KafkaDev>}
 */
export async function startKafkaDev(options = {}) {
  const {
    topics = [],
    brokers = 1,
    port,
    logFile,
    inheritStderr = false,
    verbose = false,
    debug,
    rebalanceDelayMs,
    startTimeoutMs = 15_000,
    killAfterMs = 5_000,
    unref = false,
    quietBuild = false,
  } = options;

  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 64) {
    throw new TypeError(`kafka-dev: brokers must be an integer 1..64, got ${brokers}`);
  }
  const args = ["--brokers", String(brokers)];
  for (const t of topics) {
    const name = t?.name;
    const partitions = t?.partitions ?? 1;
    if (typeof name !== "string" || !TOPIC_NAME.test(name)) {
      throw new TypeError(`kafka-dev: invalid topic name ${JSON.stringify(name)} (allowed: [A-Za-z0-9._-])`);
    }
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new TypeError(`kafka-dev: topic ${name}: partitions must be a positive integer`);
    }
    args.push("--topic", `${name}:${partitions}`);
  }
  if (port !== undefined && port !== null && port !== 0) {
    if (!Number.isInteger(port) || port < 1 || port + brokers - 1 > 65535) {
      throw new TypeError(`kafka-dev: invalid port ${port}`);
    }
    args.push("--port", String(port));
  }
  if (rebalanceDelayMs !== undefined) {
    if (!Number.isInteger(rebalanceDelayMs) || rebalanceDelayMs < 0) {
      throw new TypeError(`kafka-dev: rebalanceDelayMs must be a non-negative integer`);
    }
    args.push("--rebalance-delay", String(rebalanceDelayMs));
  }
  if (verbose) args.push("--verbose");
  if (debug) args.push("--debug", String(debug));

  const { binary } = await ensureBuilt({ quiet: quietBuild });

  let logFd;
  let stderrOpt = "pipe";
  if (logFile) {
    logFd = openSync(logFile, "a");
    stderrOpt = logFd;
  } else if (inheritStderr) {
    stderrOpt = "inherit";
  }

  // stdin stays an open pipe we never write to: when this process dies, the broker reads EOF and
  // exits (it also has PR_SET_PDEATHSIG=SIGTERM).
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", stderrOpt] });
  if (logFd !== undefined) closeSync(logFd); // the child has its own copy

  let stderrTail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d) => {
    stderrTail = (stderrTail + d).slice(-8192);
  });
  const stderrText = () =>
    logFile ? tailOfFile(logFile).trim() : inheritStderr ? "(see its stderr above)" : stderrTail.trim();

  let exitInfo = null;
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      resolve(exitInfo);
    });
  });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit() does not wait for stop(): kill what is still running (stdin EOF and
    // PDEATHSIG would end it too, this is just faster).
    process.on("exit", () => {
      for (const c of live) {
        try {
          c.kill("SIGKILL");
        } catch {}
      }
    });
  }
  child.stdin.on("error", () => {}); // EPIPE after the broker exits

  const bootstrap = await new Promise((resolve, reject) => {
    let buf = "";
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.removeListener("data", onData);
      child.removeListener("exit", onExit);
      child.removeListener("error", onError);
      child.stdout.resume(); // keep draining; the broker prints nothing else
      if (err) reject(err);
      else resolve(value);
    };
    const describe = () => {
      const e = stderrText();
      return e ? `\n--- broker stderr ---\n${e}` : " (no stderr output)";
    };
    const onData = (d) => {
      buf += d;
      const m = /^BOOTSTRAP (\S+)\r?$/m.exec(buf);
      if (m) finish(null, m[1]);
    };
    const onExit = (code, signal) => {
      // Let the stderr pipe flush before reporting.
      setTimeout(
        () =>
          finish(
            new Error(
              `kafka-dev: broker exited before listening (${signal ? `signal ${signal}` : `exit ${code}`}); ${binary} ${args.join(" ")}${describe()}`,
            ),
          ),
        50,
      );
    };
    const onError = (e) => finish(new Error(`kafka-dev: cannot start ${binary}: ${e.message}`));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(
        new Error(
          `kafka-dev: broker did not print BOOTSTRAP within ${startTimeoutMs} ms; ${binary} ${args.join(" ")}${describe()}`,
        ),
      );
    }, startTimeoutMs);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });

  if (unref) {
    child.unref();
    child.stdin.unref?.();
    child.stdout.unref?.();
    child.stderr?.unref?.();
  }

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      if (exitInfo) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exitInfo) child.kill("SIGKILL");
      }, killAfterMs);
      await exited;
      clearTimeout(timer);
      child.stdin.destroy();
    })();
    return stopping;
  };

  return {
    bootstrap,
    brokers: bootstrap.split(","),
    pid: child.pid,
    stop,
    exited,
  };
}
