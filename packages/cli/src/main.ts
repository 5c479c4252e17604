#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { GatewayClient } from "./client.js";
import type { Command, Io, OptionSpec, OptionValues } from "./command.js";
import { entitlementShow } from "./commands/entitlement.js";
import { exportRound } from "./commands/export.js";
import { ledgerCheck } from "./commands/ledger.js";
import {
  roundsApprove,
  roundsCancel,
  roundsList,
  roundsPause,
  roundsResume,
  roundsShow,
} from "./commands/rounds.js";
import { scheduleList } from "./commands/schedule.js";
import { roundsWatch } from "./commands/watch.js";
import { resolveConnection } from "./config.js";
import { CliError, EXIT, type ExitCode, UsageError } from "./errors.js";

export const COMMANDS: readonly Command[] = [
  scheduleList,
  roundsList,
  roundsShow,
  roundsApprove,
  roundsPause,
  roundsResume,
  roundsCancel,
  roundsWatch,
  entitlementShow,
  exportRound,
  ledgerCheck,
];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  gateway: {
    type: "string",
    description:
      "<url> the gateway (env BTT_GATEWAY_URL; else .btt/stack.json's; else http://127.0.0.1:8080)",
  },
  "api-key": {
    type: "string",
    description: "<key> the API key (env BTT_API_KEY; else .btt/stack.json's operator key for its gateway)",
  },
  json: { type: "boolean", description: "machine-readable JSON on stdout (and errors as JSON on stderr)" },
  help: { type: "boolean", short: "h", description: "this help" },
};

const EXIT_CODES_HELP =
  "exit codes: 0 ok, 1 the API answered an error, 2 usage, 3 a check failed (--verify, ledger check),\n" +
  "            4 gateway unreachable, 5 the watched round ended cancelled or failed";

function parseConfig(options: Record<string, OptionSpec>, strict: boolean): ParseArgsConfig {
  const parseOptions: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(options)) {
    parseOptions[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  return { options: parseOptions, strict, allowPositionals: true };
}

function usageOf(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => {
    const flag = spec.type === "string" ? `--${name} ${spec.description.split(" ")[0]}` : `--${name}`;
    return spec.required ? flag : `[${flag}]`;
  });
  return ["btt", command.name, ...command.args, ...options].join(" ");
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const [value, ...words] = spec.description.split(" ");
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` ${value}` : ""}`;
    const text = spec.type === "string" ? words.join(" ") : spec.description;
    return `  ${flag.padEnd(22)} ${text}`;
  });
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args.join(" ")}`.length));
  return [
    "btt: airdrop rounds, entitlements and the Speed ledger through the BTT gateway API",
    "",
    "usage: btt <command> [arguments] [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${`${c.name} ${c.args.join(" ")}`.padEnd(width)}  ${c.summary}`),
    "",
    "global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "btt <command> --help describes one command.",
    EXIT_CODES_HELP,
  ].join("\n");
}

export function commandHelp(command: Command): string {
  return [
    `usage: ${usageOf(command)}`,
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    ...(command.options ? ["", "options:", ...optionLines(command.options)] : []),
    "",
    "global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

/** The command named by the leading positionals ("rounds watch"). */
function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.find((c) => c.name.split(" ").every((word, i) => words[i] === word));
}

function allOptions(): Record<string, OptionSpec> {
  return Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options ?? {}));
}

export interface Invocation {
  command: Command;
  args: string[];
  options: OptionValues;
}

/** argv (without node and the script) → the command, its positionals and options; or a help text. */
export function parseInvocation(argv: readonly string[]): Invocation | { help: string; exitCode: ExitCode } {
  // first pass, lenient: every option any command knows, only to find the command words
  const loose = parseArgs({ ...parseConfig(allOptions(), false), args: [...argv] }) as {
    values: OptionValues;
    positionals: string[];
  };
  const words = loose.positionals[0] === "help" ? loose.positionals.slice(1) : loose.positionals;
  const wantsHelp = loose.values.help === true || loose.positionals[0] === "help";
  const command = findCommand(words);
  if (!command) {
    if (words.length === 0) return { help: generalHelp(), exitCode: wantsHelp ? EXIT.OK : EXIT.USAGE };
    const group = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `));
    if (group.length > 0 && (wantsHelp || words.length === 1)) {
      const lines = group.map((c) => `  ${usageOf(c)}\n      ${c.summary}`);
      return {
        help: `btt ${words[0]} commands:\n${lines.join("\n")}`,
        exitCode: wantsHelp ? EXIT.OK : EXIT.USAGE,
      };
    }
    throw new UsageError(`unknown command "${words.join(" ")}" (btt --help lists the commands)`);
  }
  if (wantsHelp) return { help: commandHelp(command), exitCode: EXIT.OK };
  let strict: ReturnType<typeof parseArgs>;
  try {
    strict = parseArgs({ ...parseConfig({ ...GLOBAL_OPTIONS, ...command.options }, true), args: [...argv] });
  } catch (error) {
    const message = (error as Error).message.split(". To specify")[0]?.split("\n")[0];
    throw new UsageError(`${message} (usage: ${usageOf(command)})`);
  }
  const args = strict.positionals.slice(command.name.split(" ").length);
  if (args.length > command.args.length) {
    throw new UsageError(`unexpected argument "${args[command.args.length]}" (usage: ${usageOf(command)})`);
  }
  if (args.length < command.args.length) {
    throw new UsageError(`missing ${command.args.slice(args.length).join(" ")} (usage: ${usageOf(command)})`);
  }
  return { command, args, options: strict.values as OptionValues };
}

function reportError(io: Io, json: boolean, error: unknown): ExitCode {
  const cliError =
    error instanceof CliError
      ? error
      : new CliError(
          EXIT.API_ERROR,
          `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
        );
  if (json) {
    const body = { error: { message: cliError.message, ...cliError.detail }, exitCode: cliError.exitCode };
    io.stderr.write(`${JSON.stringify(body)}\n`);
  } else {
    io.stderr.write(`btt: ${cliError.message}\n`);
  }
  return cliError.exitCode;
}

/** Runs one invocation; never throws, never exits: the exit code is the answer. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const json = argv.includes("--json");
  try {
    const parsed = parseInvocation(argv);
    if ("help" in parsed) {
      (parsed.exitCode === EXIT.OK ? io.stdout : io.stderr).write(`${parsed.help}\n`);
      return parsed.exitCode;
    }
    const { command, args, options } = parsed;
    const connection = resolveConnection(
      { gateway: options.gateway as string | undefined, apiKey: options["api-key"] as string | undefined },
      io.env,
    );
    if (!connection.apiKey && !command.public) {
      throw new UsageError(
        "no API key: pass --api-key, set BTT_API_KEY, or run `npm start` (its .btt/stack.json holds the operator key)",
      );
    }
    const client = new GatewayClient(connection);
    return await command.run({
      client,
      io,
      json: options.json === true,
      args,
      options,
      print: (text) => io.stdout.write(`${text}\n`),
      printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    });
  } catch (error) {
    return reportError(io, json, error);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/** The process around run(): real streams, the environment, the exit code. */
export function main(): void {
  // `btt export … | head` closes the pipe early: that is the reader's choice, not an error
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.OK);
    throw error;
  });
  const io: Io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stdout.isTTY,
  };
  void run(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

// `node packages/cli/dist/main.js …` runs it too (the bin, bin/btt.mjs, calls main() itself)
if (isEntryPoint()) main();
