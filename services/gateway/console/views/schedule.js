// The schedule as a timeline (past, due, upcoming, cancelled with reasons) and the latest rounds.
import { get } from "../api.js";
import { badge, btt, count, fill, h, percent, short, svg } from "../format.js";

const IN_PROGRESS = new Set(["snapshotting", "computed", "approved", "distributing", "paused", "cancelling"]);
const CANCELLED = new Set(["cancelled", "cancelling"]);

/** Which part of the timeline an entry belongs to, as of `today` (YYYY-MM-DD). */
export function phaseOf(entry, today) {
  if (CANCELLED.has(entry.status)) return "cancelled";
  if (entry.overdue || IN_PROGRESS.has(entry.status)) return "due";
  if (entry.status === "scheduled") return entry.payoutDate <= today ? "due" : "upcoming";
  return "past";
}

const PHASES = [
  ["due", "Due now", "overdue, or being snapshotted, approved or paid"],
  ["upcoming", "Upcoming", "scheduled, payout date ahead"],
  ["cancelled", "Cancelled", "with the reason given"],
  ["past", "Past", "completed, historical, missed or failed"],
];

export async function renderSchedule(view) {
  const [schedule, rounds] = await Promise.all([get("/v1/schedule"), get("/v1/rounds?limit=20")]);
  const today = new Date().toISOString().slice(0, 10);
  const entries = [...schedule.entries].sort((a, b) => a.payoutDate.localeCompare(b.payoutDate));
  const byPhase = Object.fromEntries(PHASES.map(([p]) => [p, []]));
  for (const e of entries) byPhase[phaseOf(e, today)].push(e);
  const totalPool = entries.filter((e) => !CANCELLED.has(e.status)).reduce((s, e) => s + BigInt(e.pool), 0n);

  fill(
    view,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, "Airdrop schedule"),
      h(
        "p",
        { class: "muted" },
        `version ${schedule.version} · ${count(entries.length)} entries · ${btt(totalPool)} in all`,
      ),
    ),
    h(
      "div",
      { class: "cards" },
      PHASES.map(([phase, title]) =>
        h(
          "div",
          { class: `card stat phase-${phase}`, "data-phase": phase },
          h("div", { class: "stat-value" }, count(byPhase[phase].length)),
          h("div", { class: "stat-label" }, title),
          h("div", { class: "muted small" }, btt(byPhase[phase].reduce((s, e) => s + BigInt(e.pool), 0n))),
        ),
      ),
    ),
    timelineStrip(entries, today),
    h("section", { class: "card" }, h("h2", {}, "Latest rounds"), roundsTable(rounds.items)),
    PHASES.map(([phase, title, hint]) => phaseSection(phase, title, hint, byPhase[phase])),
  );
}

function roundsTable(rounds) {
  return h(
    "table",
    { class: "rounds" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Round", "Kind", "Status", "Snapshot", "Pool", "Recipients", "Paid", "Created"].map((t) =>
          h("th", {}, t),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rounds.length === 0
        ? h("tr", {}, h("td", { colspan: 8, class: "muted" }, "no round yet"))
        : rounds.map((r) =>
            h(
              "tr",
              { "data-round-id": r.id },
              h("td", {}, h("a", { href: `#/rounds/${r.id}` }, r.label || short(r.id))),
              h("td", {}, r.kind),
              h("td", {}, badge(r.status)),
              h("td", { class: "num" }, count(r.snapshotHeight)),
              h("td", { class: "num" }, btt(r.pool)),
              h("td", { class: "num" }, count(r.recipients)),
              h(
                "td",
                { class: "num" },
                r.progress?.recipients ? `${percent(doneOf(r.progress), r.progress.recipients)} %` : "—",
              ),
              h("td", { class: "muted" }, (r.createdAt ?? "").slice(0, 16).replace("T", " ")),
            ),
          ),
    ),
  );
}

export const doneOf = (p) => BigInt(p.confirmed ?? 0) + BigInt(p.alreadyPaid ?? 0);

function phaseSection(phase, title, hint, entries) {
  if (entries.length === 0 && phase !== "due" && phase !== "upcoming") return null;
  const list =
    entries.length === 0
      ? h("p", { class: "muted" }, "none")
      : phase === "past"
        ? pastByYear(entries)
        : h("ol", { class: "timeline" }, entries.map(entryItem));
  return h(
    "section",
    { class: `card phase phase-${phase}`, "data-phase": phase },
    h("h2", {}, title, " ", h("span", { class: "muted small" }, `(${entries.length}) — ${hint}`)),
    list,
  );
}

/** Past entries, a collapsible group per year; years with a round (not only history) start open. */
function pastByYear(entries) {
  const years = new Map();
  for (const e of entries) {
    const year = e.payoutDate.slice(0, 4);
    years.set(year, [...(years.get(year) ?? []), e]);
  }
  return [...years]
    .reverse()
    .map(([year, list]) =>
      h(
        "details",
        { class: "year", open: list.some((e) => e.roundId || e.status !== "historical") },
        h(
          "summary",
          {},
          h("strong", {}, year),
          ` — ${list.length} ${list.length === 1 ? "entry" : "entries"}, ${btt(list.reduce((s, e) => s + BigInt(e.pool), 0n))}`,
        ),
        h("ol", { class: "timeline" }, list.map(entryItem)),
      ),
    );
}

function entryItem(e) {
  const snapshot =
    e.snapshot.height !== null
      ? `snapshot at block ${count(e.snapshot.height)}`
      : `snapshot at ${e.snapshot.at ?? "—"}`;
  return h(
    "li",
    { class: `entry status-${e.status}`, "data-entry-id": e.id },
    h("span", { class: "dot" }),
    h("time", { datetime: e.payoutDate }, e.payoutDate),
    h(
      "div",
      { class: "entry-main" },
      h(
        "div",
        {},
        h("strong", {}, e.label),
        " ",
        h("span", { class: "muted" }, e.kind),
        " ",
        badge(e.status),
        e.overdue ? badge("overdue") : null,
      ),
      h(
        "div",
        { class: "muted small" },
        snapshot,
        e.roundId ? [" · ", h("a", { href: `#/rounds/${e.roundId}` }, "open round")] : null,
      ),
      e.reason ? h("div", { class: "reason" }, `Reason: ${e.reason}`) : null,
    ),
    h("div", { class: "num pool" }, btt(e.pool)),
  );
}

/** Every entry on one date axis, coloured by status, with today marked. */
function timelineStrip(entries, today) {
  if (entries.length === 0) return null;
  const width = 1000;
  const height = 64;
  const t = (d) => Date.parse(d);
  const first = Math.min(t(entries[0].payoutDate), t(today));
  const last = Math.max(t(entries.at(-1).payoutDate), t(today));
  const x = (d) => 20 + ((t(d) - first) / Math.max(1, last - first)) * (width - 40);
  const years = [];
  for (let y = new Date(first).getUTCFullYear() + 1; y <= new Date(last).getUTCFullYear(); y += 1)
    years.push(y);
  return h(
    "section",
    { class: "card" },
    svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, class: "strip", role: "img", "aria-label": "schedule timeline" },
      svg("line", { x1: 20, x2: width - 20, y1: 28, y2: 28, class: "grid" }),
      years.map((y) => [
        svg("line", { x1: x(`${y}-01-01`), x2: x(`${y}-01-01`), y1: 22, y2: 34, class: "grid" }),
        svg("text", { x: x(`${y}-01-01`), y: 52, class: "axis", "text-anchor": "middle" }, y),
      ]),
      entries.map((e) =>
        svg(
          "circle",
          { cx: x(e.payoutDate), cy: 28, r: e.kind === "monthly" ? 4 : 7, class: `mark status-${e.status}` },
          svg("title", {}, `${e.payoutDate} ${e.label}: ${e.status}`),
        ),
      ),
      svg("line", { x1: x(today), x2: x(today), y1: 8, y2: 40, class: "today" }),
      svg(
        "text",
        { x: x(today), y: 8, class: "axis today-label", "text-anchor": "end", dx: -4, dy: 6 },
        "today",
      ),
    ),
  );
}
