#!/usr/bin/env node
// Runs the Prisma CLI of the service in the current directory the way it works on these machines
// (PLATFORM.md, infra/prisma/README.md):
//   - the JS/WASM schema engine through @prisma/adapter-pg (prisma.config.ts), no native binaries;
//   - CHECKPOINT_DISABLE, so the CLI does not try to phone home;
//   - unref-engine-timers.cjs preloaded, so the CLI exits when done instead of idling 10 s;
//   - for `migrate deploy`, the service's schema is created first: `_prisma_migrations` lives in
//     it (search_path), and PostgreSQL refuses to create a table in a schema that does not exist.
// Usage (from a service folder): node ../../infra/prisma/prisma.mjs <schema> <prisma args…>
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [schema, ...args] = process.argv.slice(2);
if (!schema || !/^[a-z_][a-z0-9_]*$/.test(schema) || args.length === 0) {
  console.error("usage: node infra/prisma/prisma.mjs <schema> <prisma arguments…>");
  process.exit(64);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(process.cwd(), "package.json"));

if (args[0] === "migrate" && args[1] === "deploy") {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set: it names the PostgreSQL database to migrate.");
    process.exit(78);
  }
  const pg = require("pg");
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    console.error(
      `cannot prepare schema ${schema} at ${url.replace(/:[^:@/]*@/, ":***@")}: ${error.message}`,
    );
    process.exit(1);
  } finally {
    await client.end().catch(() => {});
  }
}

// `generate` never connects, but Prisma 6's WASM getConfig fails on a schema whose `env("DATABASE_URL")`
// is unset, and then silently generates nothing (a fresh `npm start` has no DATABASE_URL until the
// embedded PostgreSQL is up). Any well-formed URL satisfies it.
const childEnv = { ...process.env };
if (args[0] === "generate" && !childEnv.DATABASE_URL) {
  childEnv.DATABASE_URL = "postgresql://prisma-generate@127.0.0.1:5432/unused";
}

const prismaBin = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
const preload = `--require=${path.join(here, "unref-engine-timers.cjs")}`;
const child = spawn(process.execPath, [prismaBin, ...args], {
  stdio: "inherit",
  env: {
    ...childEnv,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} ${preload}`.trim(),
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
