import { spawn } from "node:child_process";
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

/** Runs `body` in a child process with createLogger (from dist, as a service runs it); its stdout. */
function child(body: string, onLine?: (line: string, kill: () => void) => void): Promise<string[]> {
  const logger = new URL("../../dist/logger/index.js", import.meta.url).href;
  const code = `import { createLogger } from ${JSON.stringify(logger)};\nconst logger = createLogger({ service: "t" });\n${body}`;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    let rest = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      const parts = (rest + chunk.toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        onLine?.(line, () => proc.kill("SIGKILL"));
      }
    });
    proc.once("error", reject);
    proc.once("close", () => resolve(lines));
  });
}

describe("createLogger on standard output (buffered)", () => {
  it("writes every line by exit, including a fatal one right before process.exit", async () => {
    const lines = await child(
      `for (let i = 0; i < 2000; i++) logger.info({ i }, "request");\nlogger.fatal("dying");\nprocess.exit(1);`,
    );
    expect(lines.length).toBe(2001);
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ level: "fatal", msg: "dying" });
  });

  it("does not hold a line while the process lives on", async () => {
    // One short line, far below the buffer size, in a process that then idles: it must still
    // arrive (the periodic flush), which the test sees before it kills the process.
    const lines = await child(`logger.info("alone");\nsetInterval(() => {}, 1000);`, (_line, kill) => kill());
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["alone"]);
  });
});
