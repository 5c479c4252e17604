import type { Page, Round } from "../api.js";
import { type Command, type Context, positiveInteger, requireReason, requireRoundId } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import {
  formatFields,
  formatOptionalUnits,
  formatPercent,
  formatProgressLine,
  formatTable,
  formatTime,
  formatUnits,
  TRX_DECIMALS,
} from "../format.js";

export const ROUND_STATUSES = [
  "computing",
  "computed",
  "approved",
  "distributing",
  "paused",
  "completed",
  "cancelling",
  "cancelled",
  "failed",
] as const;

const ROOT_PATTERN = /^[0-9a-f]{64}$/i;

function progressCell(round: Round): string {
  const progress = round.progress;
  if (!progress || progress.recipients === 0) return "-";
  return `${progress.confirmed}/${progress.recipients} ${formatPercent(progress.confirmed, progress.recipients)}`;
}

function statusCell(round: Round): string {
  return round.statusReason ? `${round.status}: ${round.statusReason}` : round.status;
}

export const roundsList: Command = {
  name: "rounds list",
  args: [],
  summary: "rounds, newest first",
  options: {
    status: { type: "string", description: `<status> only rounds in it (${ROUND_STATUSES.join(", ")})` },
    limit: { type: "string", description: "<n> rounds per page (default 100, at most 1000)" },
    cursor: { type: "string", description: "<cursor> the page after the one that printed it" },
  },
  async run(ctx) {
    const status = ctx.options.status as string | undefined;
    if (status !== undefined && !(ROUND_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status takes one of ${ROUND_STATUSES.join(", ")}; not ${status}`);
    }
    const limit = positiveInteger("limit", ctx.options.limit, 100);
    const page = await ctx.client.get<Page<Round>>("/v1/rounds", {
      status,
      limit,
      cursor: ctx.options.cursor as string | undefined,
    });
    if (ctx.json) {
      ctx.printJson(page);
      return EXIT.OK;
    }
    const rows = page.items.map((round) => [
      round.id,
      round.kind,
      round.label,
      round.snapshotHeight === null ? "-" : `#${round.snapshotHeight}`,
      formatUnits(round.pool),
      round.recipients === null ? "-" : String(round.recipients),
      statusCell(round),
      progressCell(round),
      formatTime(round.createdAt),
    ]);
    ctx.print(
      formatTable(
        [
          { title: "ROUND" },
          { title: "KIND" },
          { title: "LABEL" },
          { title: "SNAPSHOT" },
          { title: "POOL (BTT)", align: "right" },
          { title: "RECIPIENTS", align: "right" },
          { title: "STATUS" },
          { title: "PAID" },
          { title: "CREATED" },
        ],
        rows,
      ),
    );
    if (page.nextCursor) ctx.print(`\nmore: btt rounds list --cursor ${page.nextCursor}`);
    return EXIT.OK;
  },
};

/** The round as an operator reviews it before approving. */
export function describeRound(round: Round): string {
  const fields: [string, string][] = [
    ["round", round.id],
    ["kind", round.kind],
    ["label", round.label],
    ["status", statusCell(round)],
    ["schedule entry", round.scheduleEntryId ?? "-"],
    ["snapshot height", round.snapshotHeight === null ? "-" : String(round.snapshotHeight)],
    ["pool", `${formatUnits(round.pool)} BTT`],
    ["eligible total", `${formatOptionalUnits(round.eligibleTotal, TRX_DECIMALS)} TRX`],
    ["minimum holding", `${formatOptionalUnits(round.minHoldingSun, TRX_DECIMALS)} TRX`],
    ["ratio", round.ratio ? `${round.ratio.decimal} BTT per TRX` : "-"],
    ["recipients", round.recipients === null ? "-" : String(round.recipients)],
    ["undistributed", `${formatOptionalUnits(round.undistributed)} BTT`],
    ["merkle root", round.merkleRoot ?? "-"],
    [
      "approvals",
      `${round.approvals.length} of ${round.approvalsRequired}` +
        round.approvals.map((a) => `\n${a.keyId} at ${formatTime(a.at)}`).join(""),
    ],
    [
      "fee estimate",
      round.feeEstimate
        ? `${round.feeEstimate.bandwidthBytes} bytes, at most ${formatUnits(round.feeEstimate.trxBurnSun, TRX_DECIMALS)} TRX burnt`
        : "-",
    ],
    [
      "progress",
      round.progress
        ? `${formatProgressLine(round.status, round.progress)}\npaid ${formatUnits(round.progress.paid)} BTT`
        : "-",
    ],
    ["created", formatTime(round.createdAt)],
    ["updated", formatTime(round.updatedAt)],
  ];
  const exclusions =
    round.exclusions.length === 0
      ? "exclusions: none"
      : `exclusions:\n${formatTable(
          [{ title: "  ADDRESS" }, { title: "HOLDING (TRX)", align: "right" }, { title: "REASON" }],
          round.exclusions.map((e) => [
            `  ${e.address}`,
            formatOptionalUnits(e.holding, TRX_DECIMALS),
            e.reason,
          ]),
        )}`;
  return `${formatFields(fields)}\n\n${exclusions}`;
}

export const roundsShow: Command = {
  name: "rounds show",
  args: ["<id>"],
  summary: "one round: status, ratio, Merkle root, exclusions, approvals, fee estimate, progress",
  async run(ctx) {
    const round = await ctx.client.get<Round>(`/v1/rounds/${requireRoundId(ctx.args[0])}`);
    if (ctx.json) ctx.printJson(round);
    else ctx.print(describeRound(round));
    return EXIT.OK;
  },
};

function printActed(ctx: Context, round: Round, verb: string): void {
  if (ctx.json) ctx.printJson(round);
  else ctx.print(`round ${round.id} ${verb}: now ${statusCell(round)}`);
}

export const roundsApprove: Command = {
  name: "rounds approve",
  args: ["<id>"],
  summary: "approve the round's current Merkle root with this operator key",
  details:
    "Reads the round's current merkleRoot and approves it, unless --root names the root you reviewed " +
    "(the gateway refuses a root that is no longer current: 409 STALE_ROOT). Distribution starts once " +
    "the required number of distinct operator keys have approved.",
  options: { root: { type: "string", description: "<hex> the 32-byte Merkle root you reviewed" } },
  async run(ctx) {
    const id = requireRoundId(ctx.args[0]);
    let root = ctx.options.root as string | undefined;
    if (root !== undefined && !ROOT_PATTERN.test(root)) {
      throw new UsageError(`--root takes a 32-byte hex hash (64 hex digits), not ${root}`);
    }
    if (root === undefined) {
      const round = await ctx.client.get<Round>(`/v1/rounds/${id}`);
      if (!round.merkleRoot) {
        // the state refuses it, as the gateway's 409 would: exit 1, not a usage error
        throw new CliError(
          EXIT.API_ERROR,
          `round ${id} is ${round.status} and has no Merkle root to approve yet`,
          {
            code: "NO_ROOT",
            status: round.status,
          },
        );
      }
      root = round.merkleRoot;
    }
    const round = await ctx.client.post<Round>(`/v1/rounds/${id}/approve`, {
      merkleRoot: root.toLowerCase(),
    });
    if (ctx.json) ctx.printJson(round);
    else {
      ctx.print(
        `round ${round.id}: root ${root.toLowerCase()} approved (${round.approvals.length} of ` +
          `${round.approvalsRequired}); now ${statusCell(round)}`,
      );
    }
    return EXIT.OK;
  },
};

function roundAction(action: "pause" | "resume" | "cancel", summary: string, verb: string): Command {
  return {
    name: `rounds ${action}`,
    args: ["<id>"],
    summary,
    options: {
      reason: { type: "string", required: true, description: "<text> why (required; kept in the audit log)" },
    },
    async run(ctx) {
      const id = requireRoundId(ctx.args[0]);
      const reason = requireReason(ctx.options);
      const round = await ctx.client.post<Round>(`/v1/rounds/${id}/${action}`, { reason });
      printActed(ctx, round, verb);
      return EXIT.OK;
    },
  };
}

export const roundsPause = roundAction("pause", "pause a distributing round's payouts", "paused");
export const roundsResume = roundAction("resume", "resume a paused round", "resumed");
export const roundsCancel = roundAction(
  "cancel",
  "cancel a round (a paying round waits in cancelling until every signed transfer is settled)",
  "cancelled",
);
