import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createEventProducer, createKafka } from "@btt/shared/kafka";
import { silentLogger } from "@btt/shared/testing/service-basics";
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";
import { CONSOLE_CSP, CONSOLE_DIR } from "../src/http/console-routes.js";
import { VerdictBoard } from "../src/messaging/verdicts.js";
import { UNREACHABLE_DOWNSTREAM } from "./downstream-fixtures.js";

let app: Express;
beforeAll(() => {
  const kafka = createKafka({ clientId: "t", brokers: ["127.0.0.1:1"], logger: silentLogger });
  // Static files touch no database: a client that is never connected is enough.
  const prisma = createPrismaClient("postgres://nobody@127.0.0.1:1/none");
  app = createApp({
    logger: silentLogger,
    prisma,
    kafka,
    downstream: UNREACHABLE_DOWNSTREAM,
    speed: {
      producer: createEventProducer(kafka),
      verdicts: new VerdictBoard(),
      domain: "btt-speed/v1/devnet",
    },
  });
});

/** Every file of the console, relative to its folder. */
function consoleFiles(dir = CONSOLE_DIR, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? consoleFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

const TYPES: Record<string, RegExp> = {
  ".html": /^text\/html; charset=utf-8$/,
  ".js": /^text\/javascript; charset=utf-8$/,
  ".css": /^text\/css; charset=utf-8$/,
};

describe("/console", () => {
  it("redirects /console to /console/ (the modules are relative to it)", async () => {
    const res = await request(app).get("/console").expect(301);
    expect(res.headers.location).toBe("/console/");
  });

  it("serves index.html with a strict CSP, no caching without revalidation and helmet's headers", async () => {
    const res = await request(app).get("/console/").expect(200);
    expect(res.headers["content-type"]).toMatch(TYPES[".html"] as RegExp);
    expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(res.headers["content-security-policy"]).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers.etag).toBeTruthy();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.text).toContain('<script type="module" src="app.js"></script>');
    expect(res.text).toContain('<link rel="stylesheet" href="console.css" />');
    // Nothing inline (the CSP would block it) and nothing from another origin (no CDN here).
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
  });

  it("serves every file with its content type, and each module's imports exist", async () => {
    const files = consoleFiles();
    expect(files).toEqual(expect.arrayContaining(["index.html", "app.js", "console.css", "views/round.js"]));
    for (const file of files) {
      const res = await request(app).get(`/console/${file}`).expect(200);
      const type = TYPES[path.extname(file)];
      expect(type, `an expected kind of file: ${file}`).toBeDefined();
      expect(res.headers["content-type"], file).toMatch(type as RegExp);
      expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      const text = readFileSync(path.join(CONSOLE_DIR, file), "utf8");
      expect(text, `${file} loads nothing from another origin`).not.toMatch(
        /(?:src|href|from)\s*=?\s*["']https?:/,
      );
      for (const [, target] of text.matchAll(/^import [^;]*? from "(\.{1,2}\/[^"]+)";/gm)) {
        const resolved = path.posix.join(path.posix.dirname(`/console/${file}`), target as string);
        await request(app).get(resolved).expect(200);
      }
    }
  });

  it("answers 404 in the API's error shape for a missing file, and never serves outside the folder", async () => {
    const missing = await request(app).get("/console/nope.js").expect(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    await request(app).get("/console/../src/app.ts").expect(404);
    await request(app).get("/console/%2e%2e/src/app.ts").expect(404);
    await request(app).get("/console/%2e%2e%2fpackage.json").expect(404);
  });
});
