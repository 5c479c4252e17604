// "Sets up what is missing": packages, generated Prisma clients, compiled workspaces, the Kafka
// development broker. Each step is cached, so a warm run takes seconds.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureDir, ok, REPO_ROOT, runPnpm, STATE_DIR, step } from "./tools.mjs";

function fileHash(file) {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** `pnpm install --frozen-lockfile` when node_modules is missing or the lockfile changed. */
export function ensureInstalled() {
  const stamp = path.join(STATE_DIR, "install.stamp");
  const lockHash =
    fileHash(path.join(REPO_ROOT, "pnpm-lock.yaml")) + fileHash(path.join(REPO_ROOT, "pnpm-workspace.yaml"));
  const current = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
  if (current === lockHash && existsSync(path.join(REPO_ROOT, "node_modules/.modules.yaml"))) {
    ok("packages installed");
    return;
  }
  step("installing packages (pnpm install --frozen-lockfile)");
  runPnpm(["install", "--frozen-lockfile", "--reporter=append-only"], {
    env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  ensureDir(STATE_DIR);
  writeFileSync(stamp, lockHash);
  ok("packages installed");
}

/** Prisma clients and compiled workspaces (Turborepo caches what did not change). */
export function ensureBuilt() {
  step("building workspaces (turbo run build)");
  runPnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
  ok("workspaces built");
}

export async function ensureKafkaBroker() {
  const { ensureKafkaDevBuilt } = await import("../../kafka-dev/index.mjs");
  const result = await ensureKafkaDevBuilt();
  ok(
    `Kafka development broker ready (librdkafka ${result.librdkafkaVersion} mock cluster${result.built ? ", just built" : ""})`,
  );
}

export async function setupAll() {
  ensureInstalled();
  ensureBuilt();
  await ensureKafkaBroker();
}
