import { setTimeout as sleep } from "node:timers/promises";
import { type Round, TERMINAL_ROUND_STATUSES } from "../api.js";
import { type Command, type Context, positiveInteger, requireRoundId } from "../command.js";
import { CliError, EXIT, GatewayUnreachableError } from "../errors.js";
import { formatProgressLine, formatTime, formatUnits } from "../format.js";

export const WATCH_INTERVAL_MS = 1_000;
/** polls in a row the gateway may miss (a restart) before the watch gives up */
const MAX_CONSECUTIVE_MISSES = 10;

function changeKey(round: Round): string {
  const p = round.progress;
  return [round.status, round.statusReason, p?.confirmed, p?.pending, p?.failed, p?.recipients].join("|");
}

export const roundsWatch: Command = {
  name: "rounds watch",
  args: ["<id>"],
  summary: "a progress bar of the round's payouts until it completes, is cancelled or fails",
  details:
    "On a terminal the bar is redrawn in place; otherwise (a pipe, a log) one line is printed per change, " +
    "and with --json one JSON object per change. Exits 0 when the round completes, " +
    `${EXIT.ROUND_NOT_COMPLETED} when it ends cancelled or failed.`,
  options: {
    interval: { type: "string", description: `<ms> between polls (default ${WATCH_INTERVAL_MS})` },
  },
  async run(ctx) {
    const id = requireRoundId(ctx.args[0]);
    const intervalMs = positiveInteger("interval", ctx.options.interval, WATCH_INTERVAL_MS);
    const redraw = ctx.io.isTTY && !ctx.json;
    let lastKey = "";
    let misses = 0;
    for (;;) {
      let round: Round;
      try {
        round = await ctx.client.get<Round>(`/v1/rounds/${id}`);
        misses = 0;
      } catch (error) {
        // a gateway restart mid-watch is not the round's failure; a gateway never reached, or any
        // answer (404, 401), is final
        const restarting = error instanceof GatewayUnreachableError && lastKey !== "";
        if (!restarting || ++misses >= MAX_CONSECUTIVE_MISSES) throw error;
        await sleep(intervalMs);
        continue;
      }
      const key = changeKey(round);
      const terminal = TERMINAL_ROUND_STATUSES.includes(round.status);
      if (key !== lastKey || terminal) {
        lastKey = key;
        if (ctx.json) {
          const { id: roundId, status, statusReason, progress } = round;
          ctx.io.stdout.write(`${JSON.stringify({ id: roundId, status, statusReason, progress })}\n`);
        } else {
          const line = formatProgressLine(
            round.statusReason ? `${round.status}: ${round.statusReason}` : round.status,
            round.progress,
          );
          ctx.io.stdout.write(
            redraw ? `\r${line}\u001b[K` : `${formatTime(new Date().toISOString())}  ${line}\n`,
          );
        }
      }
      if (terminal) return finish(ctx, round, redraw);
      await sleep(intervalMs);
    }
  },
};

function finish(ctx: Context, round: Round, redraw: boolean) {
  if (redraw) ctx.io.stdout.write("\n");
  const p = round.progress;
  const summary = p
    ? `${p.confirmed} confirmed, ${p.failed} failed of ${p.recipients}, paid ${formatUnits(p.paid)} BTT`
    : "no payouts";
  if (round.status === "completed") {
    if (!ctx.json) ctx.print(`round ${round.id} completed: ${summary}`);
    return EXIT.OK;
  }
  const reason = round.statusReason ? ` (${round.statusReason})` : "";
  throw new CliError(
    EXIT.ROUND_NOT_COMPLETED,
    `round ${round.id} ended ${round.status}${reason}: ${summary}`,
    {
      code: "ROUND_NOT_COMPLETED",
      status: round.status,
      statusReason: round.statusReason,
    },
  );
}
