import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./index.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON lines with the service name and a text level", async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "indexer", destination });
    logger.child({ roundId: "r1" }).info({ height: 6_600_000 }, "snapshot started");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({
      service: "indexer",
      level: "info",
      roundId: "r1",
      height: 6_600_000,
      msg: "snapshot started",
    });
  });

  it("never logs secrets", async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "airdrop", destination });
    logger.info({ privateKey: "44".repeat(32), signer: { privateKey: "aa" }, apiKey: "k" }, "signer ready");
    await new Promise((resolve) => setImmediate(resolve));
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain("4444");
    expect(text).not.toContain('"aa"');
    expect(lines[0]).toMatchObject({ privateKey: "[redacted]", apiKey: "[redacted]" });
  });
});
