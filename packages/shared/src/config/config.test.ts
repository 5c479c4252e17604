import { describe, expect, it } from "vitest";
import { z } from "zod";
import { booleanFlag, ConfigError, commonEnv, httpUrl, loadConfig, port } from "./index.js";

const schema = z.object({
  ...commonEnv,
  PORT: port(8080, "the HTTP port of this service"),
  TRON_FULL_HOST: httpUrl("the TRON full node, e.g. http://127.0.0.1:9090"),
  DEMO: booleanFlag(false, "run the demo"),
});

const good = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  KAFKA_BROKERS: "127.0.0.1:9092, localhost:9093",
  TRON_FULL_HOST: "http://127.0.0.1:9090/",
};

describe("loadConfig", () => {
  it("parses and applies defaults", () => {
    const config = loadConfig("test", schema, good);
    expect(config.PORT).toBe(8080);
    expect(config.KAFKA_BROKERS).toEqual(["127.0.0.1:9092", "localhost:9093"]);
    expect(config.TRON_FULL_HOST).toBe("http://127.0.0.1:9090");
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.DEMO).toBe(false);
  });

  it("reports every bad or missing variable at once, each with its hint", () => {
    let caught: unknown;
    try {
      loadConfig("indexer", schema, {
        DATABASE_URL: "mysql://x",
        PORT: "eighty",
        KAFKA_BROKERS: "nope",
        DEMO: "maybe",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems.map((p) => p.variable).sort()).toEqual([
      "DATABASE_URL",
      "DEMO",
      "KAFKA_BROKERS",
      "PORT",
      "TRON_FULL_HOST",
    ]);
    expect(error.message).toContain("Invalid configuration for indexer (5 problems)");
    expect(error.message).toContain('PORT: "eighty": must be a number');
    expect(error.message).toContain("hint: the HTTP port of this service");
    expect(error.message).toContain("TRON_FULL_HOST: missing");
    expect(error.message).not.toMatch(/at .*\.ts:\d+/);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig("test", schema, { ...good, PORT: "" }).PORT).toBe(8080);
  });

  it("refuses an out-of-range port", () => {
    expect(() => loadConfig("test", schema, { ...good, PORT: "70000" })).toThrow(/between 1 and 65535/);
  });
});
