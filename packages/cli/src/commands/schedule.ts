import type { Schedule, ScheduleEntry } from "../api.js";
import type { Command } from "../command.js";
import { EXIT } from "../errors.js";
import { formatTable, formatUnits } from "../format.js";

function snapshotOf(entry: ScheduleEntry): string {
  if (entry.snapshot.height !== null) return `#${entry.snapshot.height}`;
  return entry.snapshot.at ? entry.snapshot.at.replace(/T00:00:00(\.000)?Z$/, "").replace("T", " ") : "-";
}

function statusOf(entry: ScheduleEntry): string {
  const status = entry.overdue ? `${entry.status} (OVERDUE)` : entry.status;
  return entry.reason ? `${status}: ${entry.reason}` : status;
}

export const scheduleList: Command = {
  name: "schedule list",
  args: [],
  summary: "the airdrop schedule: every entry, its pool, snapshot, status and round",
  public: true,
  async run(ctx) {
    const schedule = await ctx.client.get<Schedule>("/v1/schedule");
    if (ctx.json) {
      ctx.printJson(schedule);
      return EXIT.OK;
    }
    const rows = schedule.entries.map((entry) => [
      entry.payoutDate,
      entry.kind,
      entry.label,
      snapshotOf(entry),
      formatUnits(entry.pool),
      statusOf(entry),
      entry.roundId ?? "-",
      entry.id,
    ]);
    ctx.print(
      formatTable(
        [
          { title: "PAYOUT" },
          { title: "KIND" },
          { title: "LABEL" },
          { title: "SNAPSHOT" },
          { title: "POOL (BTT)", align: "right" },
          { title: "STATUS" },
          { title: "ROUND" },
          { title: "ENTRY" },
        ],
        rows,
      ),
    );
    ctx.print(`\nschedule version ${schedule.version}, ${schedule.entries.length} entries`);
    return EXIT.OK;
  },
};
