// A round: status and reason, manifest, ratio, root, exclusions, fees, approvals, live payout
// progress, log-scale histograms of holdings and entitlements, and the operator's actions.
import { ApiError, get, getCsv, post, session } from "../api.js";
import { decadeHistogram, histogramChart } from "../chart.js";
import { confirmAction } from "../dialog.js";
import { badge, btt, count, facts, fill, formatTime, h, percent, short, table, trx } from "../format.js";
import { doneOf } from "./schedule.js";

const TERMINAL = new Set(["completed", "cancelled", "failed"]);
export const POLL_MS = 1000;

export async function renderRound(view, id, lifecycle) {
  const parts = {
    head: h("header", { class: "page-head" }),
    notice: h("div", { class: "notice", role: "status" }),
    progress: h("section", { class: "card", id: "progress" }),
    facts: h("section", { class: "card" }),
    approvals: h("section", { class: "card" }),
    exclusions: h("section", { class: "card" }),
    charts: h(
      "section",
      { class: "card", id: "charts" },
      h("h2", {}, "Distribution"),
      h("p", { class: "muted" }, "loading the entitlement table…"),
    ),
    audit: h("section", { class: "card" }),
  };
  fill(
    view,
    parts.head,
    parts.notice,
    parts.progress,
    h("div", { class: "columns" }, parts.facts, h("div", {}, parts.approvals, parts.exclusions)),
    parts.charts,
    session.role === "operator" ? parts.audit : null,
  );
  let chartsLoaded = false;
  let shown = "";
  const refresh = async () => {
    const round = await get(`/v1/rounds/${encodeURIComponent(id)}`);
    // Redraw only on change: buttons under the pointer stay put while nothing happens.
    const seen = JSON.stringify(round);
    if (seen === shown) return round;
    shown = seen;
    renderHead(parts.head, round, () => refresh().catch(showError));
    renderProgress(parts.progress, round);
    renderFacts(parts.facts, round);
    renderApprovals(parts.approvals, round);
    renderExclusions(parts.exclusions, round);
    if (session.role === "operator") renderAudit(parts.audit, id).catch(() => {});
    if (!chartsLoaded && round.merkleRoot) {
      chartsLoaded = true;
      renderCharts(parts.charts, id, round).catch((error) => {
        chartsLoaded = false;
        fill(parts.charts, h("h2", {}, "Distribution"), h("p", { class: "error" }, error.message));
      });
    }
    return round;
  };
  const showError = (error) => {
    fill(parts.notice, h("p", { class: "error" }, error.message));
  };
  // Poll every second while the round can still change; stop when it is terminal or the page closes.
  const tick = async () => {
    if (lifecycle.closed) return;
    try {
      const round = await refresh();
      if (TERMINAL.has(round.status)) return;
    } catch (error) {
      showError(error);
      if (error instanceof ApiError && error.status === 404) return;
    }
    if (!lifecycle.closed) lifecycle.timer = setTimeout(tick, POLL_MS);
  };
  const round = await refresh();
  if (!TERMINAL.has(round.status)) lifecycle.timer = setTimeout(tick, POLL_MS);
  fill(parts.notice);
  lifecycle.onAction = showError;
}

function renderHead(el, round, refresh) {
  fill(
    el,
    h("p", { class: "crumbs" }, h("a", { href: "#/schedule" }, "Schedule"), " / round"),
    h("h1", {}, round.label || "Round", " ", badge(round.status, "large")),
    h("p", { class: "muted mono" }, round.id, " · ", round.kind),
    round.statusReason ? h("p", { class: "reason" }, `Reason: ${round.statusReason}`) : null,
    session.role === "operator" ? actions(round, refresh) : null,
  );
}

function actions(round, refresh) {
  const s = round.status;
  const buttons = [];
  if (s === "computed") {
    buttons.push(
      h(
        "button",
        { class: "primary", id: "action-approve", onclick: () => approve(round, refresh) },
        "Approve…",
      ),
    );
  }
  if (s === "approved" || s === "distributing") buttons.push(actionButton(round, "pause", refresh));
  if (s === "paused") buttons.push(actionButton(round, "resume", refresh));
  if (["computing", "computed", "approved", "distributing", "paused"].includes(s))
    buttons.push(actionButton(round, "cancel", refresh));
  return buttons.length ? h("div", { class: "actions", id: "round-actions" }, buttons) : null;
}

async function approve(round, refresh) {
  const answer = await confirmAction({
    title: "Approve this round?",
    message: `Distribution starts once ${plural(round.approvalsRequired, "operator key")} ${round.approvalsRequired === 1 ? "has" : "have"} approved this exact Merkle root (${plural(round.approvals.length, "approval")} so far).`,
    details: [
      ["Merkle root", round.merkleRoot],
      ["Recipients", count(round.recipients)],
      ["Distributes", btt(BigInt(round.pool) - BigInt(round.undistributed ?? 0))],
      ["Fee estimate", trx(round.feeEstimate?.trxBurnSun)],
    ],
    confirmLabel: "Approve this root",
  });
  if (!answer) return;
  await act(`/v1/rounds/${round.id}/approve`, { merkleRoot: round.merkleRoot }, refresh);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

const ACTION_TEXT = {
  pause: [
    "Pause…",
    "Pause payouts?",
    "No new transfer is signed until the round is resumed; transfers already broadcast still settle.",
  ],
  resume: ["Resume…", "Resume payouts?", "Signing and broadcasting transfers starts again where it stopped."],
  cancel: [
    "Cancel round…",
    "Cancel this round?",
    "The round moves to cancelling until every signed transfer is confirmed or provably expired, then cancelled. This cannot be undone.",
  ],
};

function actionButton(round, action, refresh) {
  const [label, title, message] = ACTION_TEXT[action];
  return h(
    "button",
    {
      id: `action-${action}`,
      class: action === "cancel" ? "danger" : "",
      onclick: async () => {
        const answer = await confirmAction({
          title,
          message,
          confirmLabel: label.replace("…", ""),
          danger: action === "cancel",
          reasonLabel: "Reason",
        });
        if (answer) await act(`/v1/rounds/${round.id}/${action}`, { reason: answer.reason }, refresh);
      },
    },
    label,
  );
}

const DONE_TEXT = {
  approve: "Approval recorded.",
  pause: "Payouts paused.",
  resume: "Payouts resumed.",
  cancel: "Cancellation requested.",
};

async function act(path, body, refresh) {
  const notice = document.querySelector(".notice");
  try {
    await post(path, body);
    notice && fill(notice, h("p", { class: "ok" }, DONE_TEXT[path.split("/").at(-1)] ?? "Done."));
  } catch (error) {
    notice && fill(notice, h("p", { class: "error" }, `${error.code}: ${error.message}`));
  }
  await refresh();
}

function renderProgress(el, round) {
  const p = round.progress ?? { recipients: 0, confirmed: 0, pending: 0, failed: 0, paid: "0" };
  const total = BigInt(p.recipients ?? 0);
  const done = doneOf(p);
  const pending = BigInt(p.pending ?? 0) + BigInt(p.inFlight ?? 0);
  const failed = BigInt(p.failed ?? 0);
  const pct = percent(done, total);
  const seg = (cls, n, label) => {
    const bar = h("div", { class: `seg ${cls}`, title: `${label}: ${count(n)}` });
    bar.style.width = `${percent(n, total)}%`;
    return bar;
  };
  fill(
    el,
    h("h2", {}, "Payouts"),
    h(
      "div",
      {
        class: "progress",
        role: "progressbar",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": pct,
        "data-percent": pct,
      },
      seg("confirmed", done, "confirmed"),
      seg("pending", pending, "pending"),
      seg("failed", failed, "failed"),
    ),
    h(
      "p",
      { class: "progress-text" },
      h("strong", { id: "progress-percent" }, `${pct} %`),
      ` — ${count(done)} of ${count(total)} recipients confirmed`,
      h("span", { class: "legend confirmed" }, `confirmed ${count(p.confirmed)}`),
      BigInt(p.alreadyPaid ?? 0) > 0n
        ? h("span", { class: "legend confirmed" }, `paid earlier ${count(p.alreadyPaid)}`)
        : null,
      h("span", { class: "legend pending" }, `pending ${count(pending)}`),
      h("span", { class: "legend failed" }, `failed ${count(failed)}`),
      h("span", { class: "legend" }, `paid ${btt(p.paid)}`),
    ),
    TERMINAL.has(round.status) ? null : h("p", { class: "muted small" }, "live: refreshed every second"),
  );
}

function renderFacts(el, round) {
  const r = round.ratio ?? {};
  fill(
    el,
    h("h2", {}, "Snapshot and table"),
    facts([
      ["Snapshot height", count(round.snapshotHeight)],
      round.snapshotAt ? ["Snapshot time", formatTime(round.snapshotAt)] : null,
      ["Snapshot block", round.snapshotBlockId ?? "—", "mono"],
      ["Manifest hash", round.snapshotContentHash ?? "—", "mono"],
      ["Pool", btt(round.pool)],
      ["Eligible holdings", trx(round.eligibleTotal)],
      ["Minimum holding", trx(round.minHoldingSun)],
      ["Ratio", r.numerator ? `${r.numerator}/${r.denominator} ≈ ${r.decimal} BTT per TRX` : "—"],
      ["Recipients", count(round.recipients)],
      ["Distributed", btt(round.distributed)],
      ["Undistributed", btt(round.undistributed)],
      ["Merkle root", round.merkleRoot ?? "—", "mono"],
      [
        "Fee estimate",
        round.feeEstimate
          ? `${count(round.feeEstimate.bandwidthBytes)} bandwidth bytes, ≤ ${trx(round.feeEstimate.trxBurnSun)} burnt`
          : "—",
      ],
      ["Created", formatTime(round.createdAt)],
      ["Updated", formatTime(round.updatedAt)],
    ]),
  );
}

function renderApprovals(el, round) {
  const have = round.approvals?.length ?? 0;
  fill(
    el,
    h(
      "h2",
      {},
      "Approvals ",
      h(
        "span",
        { class: "muted small", id: "approval-count" },
        `${have} of ${round.approvalsRequired} required`,
      ),
    ),
    table(
      ["Key", "At"],
      (round.approvals ?? []).map((a) => [h("span", { class: "mono" }, a.keyId), formatTime(a.at)]),
    ),
  );
}

function renderExclusions(el, round) {
  fill(
    el,
    h("h2", {}, "Exclusions ", h("span", { class: "muted small" }, `(${round.exclusions?.length ?? 0})`)),
    table(
      ["Address", "Reason", "Holding"],
      (round.exclusions ?? []).map((x) => [
        h("a", { class: "mono", href: `#/address/${x.address}` }, x.address),
        x.reason,
        trx(x.holding),
      ]),
    ),
  );
}

async function renderAudit(el, id) {
  const page = await get(`/v1/rounds/${encodeURIComponent(id)}/audit`);
  fill(
    el,
    h("h2", {}, "Audit log"),
    table(
      ["At", "Action", "Who", "Why"],
      page.items.map((a) => [
        formatTime(a.at),
        a.action,
        h("span", { class: "mono" }, short(a.who, 8, 4)),
        a.why ?? "",
      ]),
    ),
  );
}

/** CSV columns (API.md): address,liquid,frozen,unfreezing,total,amount,leafIndex,txId. */
export function parseEntitlementsCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines.shift() ?? "").split(",");
  const at = (name) => header.indexOf(name);
  const [total, amount] = [at("total"), at("amount")];
  if (total < 0 || amount < 0) throw new Error("the entitlement export has no total/amount column");
  return lines.map((line) => {
    const cells = line.split(",");
    return { total: cells[total] ?? "0", amount: cells[amount] ?? "0" };
  });
}

async function renderCharts(el, id, round) {
  const csv = await getCsv(`/v1/rounds/${encodeURIComponent(id)}/entitlements`);
  const rows = parseEntitlementsCsv(csv);
  const download = h("button", { type: "button", id: "export-csv" }, "Export CSV");
  download.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    const a = h("a", { href: url, download: `round-${id}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  fill(
    el,
    h("div", { class: "section-head" }, h("h2", {}, "Distribution"), download),
    h(
      "p",
      { class: "muted small" },
      `${count(rows.length)} entitlements from the exported table (ratio ${round.ratio?.decimal ?? "—"}).`,
    ),
    h(
      "div",
      { class: "charts" },
      histogramChart(decadeHistogram(rows.map((r) => r.total)), {
        title: "Holdings at the snapshot",
        unit: "TRX",
        colour: "bar-a",
      }),
      histogramChart(decadeHistogram(rows.map((r) => r.amount)), {
        title: "Entitlements",
        unit: "BTT",
        colour: "bar-b",
      }),
    ),
  );
}
