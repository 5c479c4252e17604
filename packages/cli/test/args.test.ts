import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_GATEWAY_URL, resolveConnection } from "../src/config.js";
import { EXIT, UsageError } from "../src/errors.js";
import { COMMANDS, type Invocation, parseInvocation } from "../src/main.js";

const ROUND = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";

function invocation(argv: string[]): Invocation {
  const parsed = parseInvocation(argv);
  if ("help" in parsed) throw new Error(`expected a command, got help:\n${parsed.help}`);
  return parsed;
}

function usageError(argv: string[]): string {
  try {
    parseInvocation(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(EXIT.USAGE);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseInvocation", () => {
  it("finds two-word and one-word commands, wherever the global options stand", () => {
    const watch = invocation(["--json", "rounds", "watch", ROUND, "--interval", "250"]);
    expect(watch.command.name).toBe("rounds watch");
    expect(watch.args).toEqual([ROUND]);
    expect(watch.options).toMatchObject({ json: true, interval: "250" });

    const entitlement = invocation(["entitlement", "--gateway", "http://gw:1", ROUND, "T…", "--verify"]);
    expect(entitlement.command.name).toBe("entitlement");
    expect(entitlement.args).toEqual([ROUND, "T…"]);
    expect(entitlement.options).toMatchObject({ gateway: "http://gw:1", verify: true });
  });

  it("takes every command it lists", () => {
    for (const command of COMMANDS) {
      const args = command.args.map((_, i) => `arg${i}`);
      expect(invocation([...command.name.split(" "), ...args]).command).toBe(command);
    }
  });

  it("answers help with exit 0 when asked, with exit 2 when nothing was asked", () => {
    expect(parseInvocation(["--help"])).toMatchObject({ exitCode: EXIT.OK });
    expect(parseInvocation(["help"])).toMatchObject({ exitCode: EXIT.OK });
    expect(parseInvocation([])).toMatchObject({ exitCode: EXIT.USAGE });
    const watchHelp = parseInvocation(["rounds", "watch", "--help"]);
    expect(watchHelp).toMatchObject({ exitCode: EXIT.OK });
    expect((watchHelp as { help: string }).help).toContain("usage: btt rounds watch <id> [--interval <ms>]");
    expect((parseInvocation(["help", "rounds", "pause"]) as { help: string }).help).toContain(
      "usage: btt rounds pause <id> --reason <text>",
    );
    expect(parseInvocation(["rounds"])).toMatchObject({ exitCode: EXIT.USAGE });
    expect(parseInvocation(["rounds", "-h"])).toMatchObject({ exitCode: EXIT.OK });
  });

  it("refuses unknown commands, unknown options, missing and extra arguments", () => {
    expect(usageError(["rounds", "explode"])).toContain('unknown command "rounds explode"');
    expect(usageError(["frobnicate"])).toContain("unknown command");
    expect(usageError(["rounds", "list", "--verify"])).toContain("Unknown option '--verify'");
    expect(usageError(["rounds", "show"])).toContain("missing <id>");
    expect(usageError(["entitlement", ROUND])).toContain("missing <address>");
    expect(usageError(["ledger", "check", "extra"])).toContain('unexpected argument "extra"');
    expect(usageError(["rounds", "list", "--status"])).toContain("--status");
  });
});

describe("resolveConnection", () => {
  const repo = mkdtempSync(path.join(tmpdir(), "btt-cli-"));
  const stack = { gatewayUrl: "http://127.0.0.1:28080", apiKeys: { operator: "op_from_stack" } };

  it("falls back to the default gateway without a key when nothing is configured", () => {
    expect(resolveConnection({}, {}, repo)).toEqual({ gatewayUrl: DEFAULT_GATEWAY_URL, apiKey: undefined });
  });

  it("reads .btt/stack.json under the repository, or $BTT_STATE_DIR/stack.json first", () => {
    const withStack = mkdtempSync(path.join(tmpdir(), "btt-cli-"));
    const stateDir = path.join(withStack, ".btt");
    writeFileSync(path.join(mkdtempDir(stateDir)), JSON.stringify(stack));
    expect(resolveConnection({}, {}, withStack)).toEqual({
      gatewayUrl: stack.gatewayUrl,
      apiKey: "op_from_stack",
    });

    const other = mkdtempSync(path.join(tmpdir(), "btt-state-"));
    writeFileSync(
      path.join(other, "stack.json"),
      JSON.stringify({ gatewayUrl: "http://127.0.0.1:38080/", apiKeys: { operator: "op_state" } }),
    );
    expect(resolveConnection({}, { BTT_STATE_DIR: other }, withStack)).toEqual({
      gatewayUrl: "http://127.0.0.1:38080",
      apiKey: "op_state",
    });
  });

  it("lets flags win over the environment, and the environment over the stack", () => {
    const withStack = mkdtempSync(path.join(tmpdir(), "btt-cli-"));
    writeFileSync(path.join(mkdtempDir(path.join(withStack, ".btt"))), JSON.stringify(stack));
    const env = { BTT_GATEWAY_URL: "http://env:1", BTT_API_KEY: "env_key" };
    expect(resolveConnection({}, env, withStack)).toEqual({ gatewayUrl: "http://env:1", apiKey: "env_key" });
    expect(resolveConnection({ gateway: "http://flag:2", apiKey: "flag_key" }, env, withStack)).toEqual({
      gatewayUrl: "http://flag:2",
      apiKey: "flag_key",
    });
    // the stack's operator key is never sent to another gateway
    expect(resolveConnection({ gateway: "http://elsewhere:3" }, {}, withStack)).toEqual({
      gatewayUrl: "http://elsewhere:3",
      apiKey: undefined,
    });
  });

  it("refuses a gateway that is not an http(s) URL", () => {
    expect(() => resolveConnection({ gateway: "127.0.0.1:8080" }, {}, repo)).toThrow(UsageError);
    expect(() => resolveConnection({ gateway: "ftp://x" }, {}, repo)).toThrow(/http/);
  });
});

/** Creates `dir` and returns the path of its stack.json. */
function mkdtempDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return path.join(dir, "stack.json");
}
