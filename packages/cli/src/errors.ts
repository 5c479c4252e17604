/**
 * Exit codes are part of the CLI's contract (README.md): scripts branch on them, so each has one
 * meaning and never changes.
 */
export const EXIT = {
  OK: 0,
  /** the gateway answered with an error ({"error":{code,message}}) */
  API_ERROR: 1,
  /** bad arguments: unknown command or option, malformed id or address, missing --reason */
  USAGE: 2,
  /** a check failed: the Merkle proof does not lead to the published root, or the ledger invariants do not hold */
  CHECK_FAILED: 3,
  /** the gateway could not be reached (connection refused, DNS, timeout) */
  UNREACHABLE: 4,
  /** `rounds watch`: the round ended cancelled or failed */
  ROUND_NOT_COMPLETED: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line on stderr with its exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** machine-readable form for --json (stderr) */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(EXIT.USAGE, message, { code: "USAGE" });
    this.name = "UsageError";
  }
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: { path: string; message: string }[];
  requestId?: string;
}

/** The gateway's error answer, API.md "Errors". */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    const details = (body.details ?? [])
      .filter((d) => !body.message.includes(d.message))
      .map((d) => `${d.path ? `${d.path}: ` : ""}${d.message}`);
    const suffix = details.length > 0 ? ` (${details.join("; ")})` : "";
    super(EXIT.API_ERROR, `${status} ${body.code}: ${body.message}${suffix}`, { status, ...body });
    this.name = "ApiError";
  }
}

export class GatewayUnreachableError extends CliError {
  constructor(gatewayUrl: string, cause: string) {
    super(EXIT.UNREACHABLE, `cannot reach the gateway at ${gatewayUrl} (${cause})`, {
      code: "GATEWAY_UNREACHABLE",
      gatewayUrl,
      cause,
    });
    this.name = "GatewayUnreachableError";
  }
}
