#!/usr/bin/env node
// Builds the Kafka development broker: librdkafka's mock cluster behind a small C launcher.
//
// Build once, cached: does nothing when .build/kafka-dev-broker exists and its stamp matches
// the pinned package version, librdkafka version, launcher.c hash and build recipe. Otherwise:
//   npm pack @confluentinc/kafka-javascript@<PKG_VERSION>  (verified against the pinned integrity)
//   tar: extract only package/deps/librdkafka
//   ./configure --disable-ssl ... && make -j2 -C src librdkafka.a   (~60 s on 2 cores; only the
//     static C library is built: `make libs` would also build the C++ wrapper and the .so, +~25 s)
//   gcc launcher.c librdkafka.a -Wl,--wrap=bind ...        (static librdkafka, no .so needed)
//
// The built librdkafka (librdkafka.a + 2 headers) is kept in $BTT_CACHE_DIR/kafka-dev/ when
// BTT_CACHE_DIR is set (survives a fresh clone), else in infra/kafka-dev/.build/.
//
// Usage: node infra/kafka-dev/build.mjs [--force] [--quiet]
// Env:   BTT_CACHE_DIR, KAFKA_DEV_MAKE_JOBS (default min(2, cores)), CC (default gcc)
// No npm dependencies: Node >= 20, npm, tar, a C compiler and make.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const PKG_NAME = "@confluentinc/kafka-javascript";
/** Pinned: 1.10.1 ships librdkafka 2.15.1 in deps/librdkafka (1.10.0 ships 2.15.0, 1.9.x 2.14.x). */
export const PKG_VERSION = "1.10.1";
export const PKG_INTEGRITY =
  "sha512-KVePUBn21EqCVP9mfxzEuM3SYJHHEF7X+iiC2e43QQgDSyEaksInmCGooT3w5q+cNAdkSCrK71j0ICfqoSqZLw==";
export const LIBRDKAFKA_VERSION = "2.15.1";
/** Bump when configure/make/compile flags change, to force a rebuild. */
const RECIPE = 3;

const CONFIGURE_ARGS = [
  "--disable-ssl",
  "--disable-gssapi",
  "--disable-sasl",
  "--disable-zstd",
  "--disable-lz4-ext",
  "--disable-curl",
  "--disable-zlib",
];

/**
 * Small source patches to the mock's classic consumer-group state machine, so that kafkajs groups
 * rebalance like on a real broker instead of waiting (session.timeout.ms - 1 s) each time:
 *  - a group whose last member left (LeaveGroup) or timed out becomes Empty; the next join then
 *    waits group.initial.rebalance.delay.ms (3 s, or --rebalance-delay), not ~29 s;
 *  - a rebalance of a running group completes as soon as every known member has sent JoinGroup
 *    (a real broker does the same) instead of always waiting session.timeout.ms - 1 s.
 * Each anchor must occur exactly once in the pinned sources, or the build fails loudly.
 */
const PATCHES = [
  {
    file: "src/rdkafka_mock_int.h",
    find: `        int last_member_cnt; /**< Mumber of group members at last election */
`,
    replace: `        int last_member_cnt; /**< Mumber of group members at last election */
        rd_bool_t kd_initial_join; /**< kafka-dev patch: Joining began in Empty */
`,
  },
  {
    file: "src/rdkafka_mock_cgrp.c",
    find: `                                     const char *reason) {
        int timeout_ms;

        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING)
                return; /* Do nothing, group is already rebalancing. */
`,
    replace: `                                     const char *reason) {
        int timeout_ms;

        /* kafka-dev patch: no members left: the group is Empty. */
        if (mcgrp->member_cnt == 0) {
                rd_kafka_mock_cgrp_classic_set_state(
                    mcgrp, RD_KAFKA_MOCK_CGRP_STATE_EMPTY, reason);
                return;
        }

        /* kafka-dev patch: remember whether this rebalance starts from
         * Empty (the initial join, which waits the initial delay). */
        if (mcgrp->state != RD_KAFKA_MOCK_CGRP_STATE_JOINING)
                mcgrp->kd_initial_join =
                    mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_EMPTY;

        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING)
                return; /* Do nothing, group is already rebalancing. */
`,
  },
  {
    file: "src/rdkafka_mock_cgrp.c",
    find: `        mcgrp->generation_id++;
`,
    replace: `        mcgrp->generation_id++;
        mcgrp->kd_initial_join = rd_false; /* kafka-dev patch */
`,
  },
  {
    file: "src/rdkafka_mock_cgrp.c",
    find: `        rd_assert(!member->resp);
        member->resp = resp;
        member->conn = mconn;
        rd_kafka_mock_cgrp_classic_member_active(mcgrp, member);

        return RD_KAFKA_RESP_ERR_NO_ERROR;
}
`,
    replace: `        rd_assert(!member->resp);
        member->resp = resp;
        member->conn = mconn;
        rd_kafka_mock_cgrp_classic_member_active(mcgrp, member);

        /* kafka-dev patch: once every known member has (re)joined, elect
         * right away (but honour the initial rebalance delay). The timer
         * runs after this JoinGroup handler has finished. */
        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING &&
            !mcgrp->kd_initial_join) {
                rd_kafka_mock_cgrp_classic_member_t *kd_m;
                rd_bool_t kd_all = rd_true;
                TAILQ_FOREACH(kd_m, &mcgrp->members, link) {
                        if (!kd_m->resp)
                                kd_all = rd_false;
                }
                if (kd_all)
                        rd_kafka_mock_cgrp_classic_rebalance_timer_restart(
                            mcgrp, 10);
        }

        return RD_KAFKA_RESP_ERR_NO_ERROR;
}
`,
  },
];
const PATCHES_SHA = createHash("sha256").update(JSON.stringify(PATCHES)).digest("hex").slice(0, 16);

async function applyPatches(src, log) {
  for (const p of PATCHES) {
    const file = join(src, p.file);
    const text = await readFile(file, "utf8");
    const n = text.split(p.find).length - 1;
    if (n !== 1) {
      throw new BuildError(
        `patch for ${p.file}: expected its anchor exactly once, found ${n} times (librdkafka sources changed? update PATCHES in build.mjs)`,
      );
    }
    await writeFile(
      file,
      text.replace(p.find, () => p.replace),
    );
  }
  log(`applied ${PATCHES.length} consumer-group patches to the mock (see PATCHES in build.mjs)`);
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = join(HERE, ".build");
export const BINARY = join(BUILD_DIR, "kafka-dev-broker");
const BINARY_STAMP = join(BUILD_DIR, "kafka-dev-broker.stamp.json");
const LAUNCHER_SRC = join(HERE, "launcher.c");

function cacheRoot() {
  const c = process.env.BTT_CACHE_DIR;
  return c ? join(c, "kafka-dev") : BUILD_DIR;
}
function libDir() {
  return join(cacheRoot(), `librdkafka-${LIBRDKAFKA_VERSION}-kjs${PKG_VERSION}-r${RECIPE}`);
}

class BuildError extends Error {}

function makeLogger(quiet) {
  return quiet ? () => {} : (msg) => console.error(`[kafka-dev] ${msg}`);
}

function sha256(buf) {
  return createHash("sha256").update(buf).digest("hex");
}

async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

function sameStamp(a, b) {
  return !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
}

/** Runs a command; output goes to logFile (appended) and a bounded in-memory tail. */
function run(cmd, args, { cwd, env, logChunks, onLine } = {}) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      reject(new BuildError(`cannot run ${cmd}: ${e.message}`));
      return;
    }
    let out = "";
    const onData = (d) => {
      const s = d.toString();
      out += s;
      if (out.length > 2_000_000) out = out.slice(-1_000_000);
      logChunks?.push(s);
      if (onLine) for (const line of s.split("\n")) if (line) onLine(line);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new BuildError(`cannot run ${cmd}: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      else {
        const tail = out.trimEnd().split("\n").slice(-40).join("\n");
        reject(
          new BuildError(
            `${cmd} ${args.join(" ")} failed (${signal ? `signal ${signal}` : `exit ${code}`}) in ${cwd ?? process.cwd()}\n--- last output ---\n${tail}`,
          ),
        );
      }
    });
  });
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** Cross-process lock: an exclusive mkdir holding the owner's pid. Stale locks (dead pid) are broken. */
async function withLock(lockDir, log, fn) {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, "pid"), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      const pid = Number.parseInt(await readFile(join(lockDir, "pid"), "utf8").catch(() => ""), 10);
      let age = 0;
      try {
        age = Date.now() - (await stat(lockDir)).mtimeMs;
      } catch {}
      if ((pid && !pidAlive(pid)) || (!pid && age > 30_000)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 15 * 60_000) {
        throw new BuildError(`timed out waiting for the build lock ${lockDir} (held by pid ${pid})`);
      }
      if (!announced) {
        log(`waiting for another build (pid ${pid || "?"}) holding ${lockDir}`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function libStampWanted() {
  return {
    package: PKG_NAME,
    packageVersion: PKG_VERSION,
    librdkafka: LIBRDKAFKA_VERSION,
    recipe: RECIPE,
    patches: PATCHES_SHA,
  };
}

async function libReady() {
  const dir = libDir();
  const s = await readJson(join(dir, "stamp.json"));
  if (!s || !sameStamp(s.key, libStampWanted())) return null;
  for (const f of ["lib/librdkafka.a", "include/rdkafka.h", "include/rdkafka_mock.h"]) {
    if (!existsSync(join(dir, f))) return null;
  }
  return s;
}

async function sha512File(file) {
  const h = createHash("sha512");
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return `sha512-${h.digest("base64")}`;
}

async function buildLib(log, jobs) {
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  // Leftovers of interrupted builds (their pid is gone).
  for (const name of await readdir(root)) {
    const m = /^work-(\d+)$/.exec(name);
    if (m && (!pidAlive(Number(m[1])) || Number(m[1]) === process.pid)) {
      await rm(join(root, name), { recursive: true, force: true });
    }
  }
  const work = join(root, `work-${process.pid}`);
  await mkdir(work, { recursive: true });
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

  log(`npm pack ${PKG_NAME}@${PKG_VERSION}`);
  await run(
    "npm",
    ["pack", `${PKG_NAME}@${PKG_VERSION}`, "--ignore-scripts", "--silent", "--pack-destination", work],
    { cwd: work },
  );
  const tgz = (await readdir(work)).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new BuildError(`npm pack produced no tarball in ${work}`);
  const integrity = await sha512File(join(work, tgz));
  if (integrity !== PKG_INTEGRITY) {
    throw new BuildError(`${tgz}: integrity ${integrity} does not match the pinned ${PKG_INTEGRITY}`);
  }

  log("extracting package/deps/librdkafka");
  await run("tar", ["-xzf", tgz, "--no-same-owner", "package/deps/librdkafka"], { cwd: work });
  const src = join(work, "package", "deps", "librdkafka");
  const header = await readFile(join(src, "src", "rdkafka.h"), "utf8");
  const m = /#define RD_KAFKA_VERSION\s+0x([0-9a-fA-F]{8})/.exec(header);
  if (!m) throw new BuildError("RD_KAFKA_VERSION not found in rdkafka.h");
  const v = Number.parseInt(m[1], 16);
  const found = `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}`;
  if (found !== LIBRDKAFKA_VERSION) {
    throw new BuildError(`deps/librdkafka is ${found}, expected ${LIBRDKAFKA_VERSION}`);
  }
  await applyPatches(src, log);
  const logChunks = [];

  log(`configure ${CONFIGURE_ARGS.join(" ")}`);
  await run("./configure", CONFIGURE_ARGS, { cwd: src, logChunks });
  const mkcfg = await readFile(join(src, "Makefile.config"), "utf8");
  const libs = [];
  for (const line of mkcfg.split("\n")) {
    const lm = /^LIBS\+?=\s*(.*)$/.exec(line);
    if (lm) libs.push(...lm[1].split(/\s+/).filter(Boolean));
  }

  const cFiles = (await readdir(join(src, "src"))).filter((f) => f.endsWith(".c")).length;
  log(`make -j${jobs} -C src librdkafka.a (${cFiles} C files; about a minute on 2 cores)`);
  let compiled = 0;
  let lastReport = Date.now();
  await run("make", [`-j${jobs}`, "-C", "src", "librdkafka.a"], {
    cwd: src,
    logChunks,
    onLine: (line) => {
      if (/\s-c\s+\S+\.c\b/.test(line) && !/\.cpp\b/.test(line)) compiled++;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`  ... ${Math.min(compiled, cFiles)}/${cFiles} C files compiled (${secs()})`);
      }
    },
  });
  const archive = join(src, "src", "librdkafka.a");
  if (!existsSync(archive)) throw new BuildError(`make finished but ${archive} is missing`);

  const dir = libDir();
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, "lib"), { recursive: true });
  await mkdir(join(tmp, "include"), { recursive: true });
  await copyFile(archive, join(tmp, "lib", "librdkafka.a"));
  await copyFile(join(src, "src", "rdkafka.h"), join(tmp, "include", "rdkafka.h"));
  await copyFile(join(src, "src", "rdkafka_mock.h"), join(tmp, "include", "rdkafka_mock.h"));
  await copyFile(join(src, "LICENSES.txt"), join(tmp, "LICENSES.txt")).catch(() => {});
  await writeFile(join(tmp, "build.log"), logChunks.join(""));
  const stampObj = {
    key: libStampWanted(),
    libs,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - t0) / 1000),
  };
  await writeFile(join(tmp, "stamp.json"), `${JSON.stringify(stampObj, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  await rm(work, { recursive: true, force: true });
  if (root === BUILD_DIR) {
    // Private cache: drop builds of other versions/recipes (a shared BTT_CACHE_DIR keeps them).
    const mine = dir.slice(root.length + 1);
    for (const name of await readdir(root)) {
      if (/^librdkafka-/.test(name) && name !== mine)
        await rm(join(root, name), { recursive: true, force: true });
    }
  }
  log(`librdkafka ${found} built in ${secs()} -> ${dir}`);
  return stampObj;
}

async function binaryStampWanted(lib) {
  return {
    package: PKG_NAME,
    packageVersion: PKG_VERSION,
    librdkafka: LIBRDKAFKA_VERSION,
    recipe: RECIPE,
    launcherSha256: sha256(await readFile(LAUNCHER_SRC)),
    libBuiltAt: lib?.builtAt ?? null,
  };
}

async function binaryUpToDate() {
  if (!existsSync(BINARY)) return false;
  const lib = await libReady();
  if (!lib) return false;
  return sameStamp(await readJson(BINARY_STAMP), await binaryStampWanted(lib));
}

async function compileLauncher(log, lib) {
  const dir = libDir();
  const cc = process.env.CC || "gcc";
  const tmp = `${BINARY}.tmp-${process.pid}`;
  const extra = lib.libs.length ? lib.libs : ["-lm", "-ldl", "-lpthread", "-lrt"];
  const args = [
    "-O2",
    "-Wall",
    "-I",
    join(dir, "include"),
    LAUNCHER_SRC,
    join(dir, "lib", "librdkafka.a"),
    "-Wl,--wrap=bind",
    ...extra,
    "-lpthread",
    "-o",
    tmp,
  ];
  log(`compiling launcher.c (${cc}, static librdkafka.a)`);
  await run(cc, args, { cwd: HERE });
  const out = await run(tmp, ["--version"], { cwd: HERE });
  if (!out.includes(`librdkafka ${LIBRDKAFKA_VERSION}`)) {
    throw new BuildError(`built launcher reports "${out.trim()}", expected librdkafka ${LIBRDKAFKA_VERSION}`);
  }
  await rename(tmp, BINARY);
  await writeFile(BINARY_STAMP, `${JSON.stringify(await binaryStampWanted(lib), null, 2)}\n`);
}

async function writeGitignore() {
  const f = join(BUILD_DIR, ".gitignore");
  if (!existsSync(f)) await writeFile(f, "# build output of infra/kafka-dev/build.mjs\n*\n");
}

let inFlight = null;

/**
 * Ensures the broker binary is built. Fast (a stamp check) when it is.
 * @param {{force?: boolean, quiet?: boolean}} [opts]
 * @returns {Promise<{binary: string, built: boolean, librdkafkaVersion: string, packageVersion: string}>}
 */
export function ensureBuilt(opts = {}) {
  if (opts.force) return doEnsure(opts);
  inFlight ??= doEnsure(opts).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function doEnsure({ force = false, quiet = false } = {}) {
  const log = makeLogger(quiet);
  const result = (built) => ({
    binary: BINARY,
    built,
    librdkafkaVersion: LIBRDKAFKA_VERSION,
    packageVersion: PKG_VERSION,
  });
  if (!force && (await binaryUpToDate())) return result(false);
  const jobs = Math.max(
    1,
    Number.parseInt(process.env.KAFKA_DEV_MAKE_JOBS ?? "", 10) || Math.min(2, availableParallelism()),
  );
  await mkdir(BUILD_DIR, { recursive: true });
  await writeGitignore();
  return withLock(join(BUILD_DIR, ".launcher.lock"), log, async () => {
    if (!force && (await binaryUpToDate())) return result(false);
    const t0 = Date.now();
    let lib = force ? null : await libReady();
    if (lib) {
      log(`using cached librdkafka ${LIBRDKAFKA_VERSION} in ${libDir()}`);
    } else {
      await mkdir(cacheRoot(), { recursive: true });
      lib = await withLock(join(cacheRoot(), ".librdkafka.lock"), log, async () => {
        const again = force ? null : await libReady();
        return again ?? buildLib(log, jobs);
      });
    }
    await compileLauncher(log, lib);
    log(`ready: ${BINARY} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return result(true);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--force" && a !== "--quiet");
  if (unknown.length) {
    console.error(`usage: node build.mjs [--force] [--quiet]   (unknown: ${unknown.join(" ")})`);
    process.exit(2);
  }
  try {
    const r = await ensureBuilt({ force: args.includes("--force"), quiet: args.includes("--quiet") });
    if (!r.built && !args.includes("--quiet")) console.error(`[kafka-dev] up to date: ${r.binary}`);
  } catch (e) {
    console.error(`[kafka-dev] build failed: ${e instanceof BuildError ? e.message : e.stack}`);
    process.exit(1);
  }
}

// Kept for tools that read the file directly.
export function readStamp() {
  try {
    return JSON.parse(readFileSync(BINARY_STAMP, "utf8"));
  } catch {
    return null;
  }
}
