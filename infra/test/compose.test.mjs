// docker-compose.yml cannot run here (no Docker engine), so it is validated: Debian's
// docker-compose accepts it, every service it names exists in the repo, and its Kafka topics
// are exactly the catalog's.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../stack/lib/tools.mjs";

// The compose file requires the custody address (it cannot be derived from the mounted key).
const env = { ...process.env, LEDGER_CUSTODY_ADDRESS: "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw" };

function composeConfig() {
  return JSON.parse(
    execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "--format", "json"], {
      cwd: REPO_ROOT,
      env,
    }).toString(),
  );
}

test("docker-compose config -q accepts docker-compose.yml", () => {
  execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
    cwd: REPO_ROOT,
    env,
    stdio: "pipe",
  });
});

test("every service the compose file runs exists, built from the one Dockerfile", () => {
  let config;
  try {
    config = composeConfig();
  } catch {
    // docker-compose 1.29 has no --format json: read the YAML it normalises instead.
    const yaml = execFileSync("docker-compose", ["-f", "docker-compose.yml", "config"], {
      cwd: REPO_ROOT,
      env,
    }).toString();
    const names = [...yaml.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    config = { services: Object.fromEntries(names.map((n) => [n, {}])), yaml };
  }
  const services = Object.keys(config.services);
  for (const name of [
    "postgres",
    "kafka",
    "kafka-init",
    "java-tron",
    "migrate",
    "indexer",
    "airdrop",
    "speed-ledger",
    "gateway",
  ]) {
    assert.ok(services.includes(name), `compose service ${name} missing`);
  }
  for (const name of ["indexer", "airdrop", "speed-ledger", "gateway"]) {
    assert.ok(
      existsSync(path.join(REPO_ROOT, "services", name, "src/main.ts")),
      `services/${name}/src/main.ts missing`,
    );
  }
  const compose = readFileSync(path.join(REPO_ROOT, "docker-compose.yml"), "utf8");
  for (const match of compose.matchAll(/command: \["node", "([^"]+)"\]/g)) {
    const entry = match[1].replace(/^services\/([^/]+)\/dist\/main\.js$/, "services/$1/src/main.ts");
    assert.ok(
      existsSync(path.join(REPO_ROOT, entry)),
      `compose runs ${match[1]}, whose source ${entry} is missing`,
    );
  }
  for (const mount of compose.matchAll(/- \.\/(infra\/[a-z-]+):/g)) {
    assert.ok(existsSync(path.join(REPO_ROOT, mount[1])), `compose mounts ./${mount[1]}, which is missing`);
  }
  assert.ok(existsSync(path.join(REPO_ROOT, "Dockerfile")));
});

test("compose creates exactly the topic catalog", async () => {
  const { allTopics } = await import(
    pathToFileURL(path.join(REPO_ROOT, "packages/shared/dist/events/topics.js")).href
  );
  const script = readFileSync(path.join(REPO_ROOT, "infra/kafka/create-topics.sh"), "utf8");
  const listed = [...script.matchAll(/^ {2}"([a-z.]+):(\d+)"$/gm)].map((m) => ({
    name: m[1],
    partitions: Number(m[2]),
  }));
  assert.deepEqual(listed, allTopics());
});
