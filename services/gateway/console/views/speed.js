// Speed ledger health: commands/s and acceptance latency (operator), the invariant check
// (operator) and the seeding-reward epochs (exchange and operator).
import { get, session } from "../api.js";
import { sparkline } from "../chart.js";
import { badge, btt, count, facts, fill, formatTime, h, short, table } from "../format.js";

/** The check reads the whole ledger and the chain: refreshed less often than the rates. */
export const REFRESH_MS = 5000;

export async function renderSpeed(view, lifecycle) {
  const operator = session.role === "operator";
  const parts = {
    rates: h("section", { class: "card", id: "throughput" }),
    check: h("section", { class: "card", id: "ledger-check" }),
    epochs: h("section", { class: "card", id: "epochs" }),
  };
  fill(
    view,
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, "Speed ledger health"),
      h(
        "p",
        { class: "muted" },
        operator ? `refreshed every ${REFRESH_MS / 1000} s` : "read-only: reward epochs",
      ),
    ),
    operator ? parts.rates : null,
    operator ? parts.check : null,
    parts.epochs,
  );
  const refresh = () =>
    Promise.all([
      operator ? renderRates(parts.rates) : null,
      operator ? renderCheck(parts.check) : null,
      renderEpochs(parts.epochs),
    ]);
  await refresh();
  const again = async () => {
    if (lifecycle.closed) return;
    await refresh().catch(() => {});
    if (!lifecycle.closed) lifecycle.timer = setTimeout(again, REFRESH_MS);
  };
  lifecycle.timer = setTimeout(again, REFRESH_MS);
}

const stat = (value, label, id) =>
  h(
    "div",
    { class: "card stat", id },
    h("div", { class: "stat-value" }, value),
    h("div", { class: "stat-label" }, label),
  );

async function renderRates(el) {
  const t = await get("/v1/speed/ledger/throughput");
  const lat = t.acceptanceLatencyMs;
  fill(
    el,
    h(
      "h2",
      {},
      "Throughput ",
      h("span", { class: "muted small" }, `last ${t.coveredSeconds} s, as this gateway saw it`),
    ),
    h(
      "div",
      { class: "cards" },
      stat(`${t.acceptedPerSecond}/s`, "commands accepted by the ledger", "rate-accepted"),
      stat(`${t.rejectedPerSecond}/s`, "commands rejected", "rate-rejected"),
      stat(`${t.forwardedPerSecond}/s`, "forwarded to Kafka by this gateway", "rate-forwarded"),
      stat(
        lat ? `${count(lat.p50)} ms` : "—",
        lat
          ? `acceptance latency p50 (p95 ${count(lat.p95)} ms, p99 ${count(lat.p99)} ms, max ${count(lat.max)} ms; ${count(lat.samples)} samples)`
          : "acceptance latency (no ?wait command yet)",
        "latency",
      ),
    ),
    sparkline(
      t.seconds.map((s) => s.accepted),
      { label: "commands accepted per second, last minute" },
    ),
  );
}

async function renderCheck(el) {
  const c = await get("/v1/speed/ledger/check");
  const inv = c.invariants ?? {};
  fill(
    el,
    h(
      "h2",
      {},
      "Invariant check ",
      h(
        "span",
        { class: `badge ${c.ok ? "status-completed" : "status-failed"}`, id: "check-status" },
        c.ok ? "OK" : "FAILING",
      ),
      c.state ? [" ", badge(c.state)] : null,
    ),
    c.reason ? h("p", { class: "muted small" }, c.reason) : null,
    h(
      "div",
      { class: "columns" },
      facts([
        ["Evaluated", formatTime(c.evaluatedAt)],
        ["Custody on chain", btt(c.custodyOnChain)],
        ["Owed at height", c.owedAtHeight ? `${btt(c.owedAtHeight)} at ${count(c.height)}` : "—"],
        ["Drift", btt(c.drift), c.drift && c.drift !== "0" ? "neg" : ""],
        ["Unbalanced entries", count(inv.unbalancedEntries)],
        ["Negative accounts", count(inv.negativeAccounts)],
        ["Balance mismatches", count(inv.balanceMismatches?.length)],
        ["Lock mismatches", count(inv.lockMismatches?.length)],
        ["Withdrawals", c.withdrawalsHalted ? `halted: ${c.haltReason}` : "running"],
      ]),
      table(
        ["Account class", "Balance"],
        Object.entries(c.totals ?? {}).map(([k, v]) => [k, h("span", { class: "num" }, btt(v))]),
        { class: "num-table" },
      ),
    ),
  );
}

async function renderEpochs(el) {
  const page = await get("/v1/speed/rewards/epochs?limit=10");
  fill(
    el,
    h("h2", {}, "Seeding-reward epochs ", h("span", { class: "muted small" }, "(latest 10)")),
    table(
      ["Epoch", "Window", "Budget", "Distributed", "Status", "Payees", "Largest payout"],
      page.items.map((e) => {
        const largest = e.payouts.reduce(
          (m, p) => (BigInt(p.amount) > BigInt(m?.amount ?? -1) ? p : m),
          null,
        );
        return [
          e.id,
          `${formatTime(e.startsAt)} → ${(e.endsAt ?? "").slice(11, 19)}`,
          btt(e.budget),
          btt(e.distributed),
          badge(e.status),
          count(e.payouts.length),
          largest
            ? [
                btt(largest.amount),
                " ",
                h(
                  "a",
                  { class: "mono small", href: `#/address/${largest.payee}` },
                  short(largest.payee, 6, 4),
                ),
              ]
            : "—",
        ];
      }),
      { class: "num-table" },
    ),
  );
}
