// Address lookup: holdings per snapshot, entitlements across rounds (proof, txid), Speed account.
import { ApiError, get } from "../api.js";
import { badge, btt, count, facts, fill, formatTime, h, short, table, trx } from "../format.js";

const ADDRESS = /^(T[1-9A-HJ-NP-Za-km-z]{33}|41[0-9a-fA-F]{40})$/;
/** Snapshots looked up per address (newest first). */
const SNAPSHOTS_MAX = 20;

export async function renderAddress(view, address) {
  const input = h("input", {
    id: "address-input",
    name: "address",
    placeholder: "T… or 41… address",
    value: address ?? "",
    autocomplete: "off",
    spellcheck: "false",
  });
  const form = h(
    "form",
    { class: "lookup", id: "address-form" },
    input,
    h("button", { type: "submit", class: "primary" }, "Look up"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/address/${input.value.trim()}`;
  });
  const results = h("div", { id: "address-results" });
  fill(view, h("header", { class: "page-head" }, h("h1", {}, "Address lookup"), form), results);
  if (!address) {
    results.append(
      h(
        "p",
        { class: "muted" },
        "Enter a TRON address to see its holdings, airdrop entitlements and Speed account.",
      ),
    );
    return;
  }
  if (!ADDRESS.test(address)) {
    results.append(h("p", { class: "error" }, "That is not a TRON address (base58 T… or hex 41…)."));
    return;
  }
  const encoded = encodeURIComponent(address);
  const sections = {
    entitlements: h(
      "section",
      { class: "card", id: "entitlements" },
      h("h2", {}, "Airdrop entitlements"),
      h("p", { class: "muted" }, "loading…"),
    ),
    holdings: h(
      "section",
      { class: "card", id: "holdings" },
      h("h2", {}, "Holdings per snapshot"),
      h("p", { class: "muted" }, "loading…"),
    ),
    speed: h(
      "section",
      { class: "card", id: "speed-account" },
      h("h2", {}, "Speed account"),
      h("p", { class: "muted" }, "loading…"),
    ),
  };
  fill(
    results,
    h("p", { class: "lookup-address" }, "Results for ", h("span", { class: "mono" }, address)),
    sections.entitlements,
    sections.holdings,
    sections.speed,
  );
  const guard = (el, title) => (error) =>
    fill(el, h("h2", {}, title), h("p", { class: "error" }, error.message));
  await Promise.all([
    renderEntitlements(sections.entitlements, encoded).catch(
      guard(sections.entitlements, "Airdrop entitlements"),
    ),
    renderHoldings(sections.holdings, encoded).catch(guard(sections.holdings, "Holdings per snapshot")),
    renderSpeed(sections.speed, encoded).catch(guard(sections.speed, "Speed account")),
  ]);
}

async function renderEntitlements(el, address) {
  const [answer, rounds] = await Promise.all([
    get(`/v1/entitlements/${address}`),
    get("/v1/rounds?limit=1000"),
  ]);
  const labels = new Map(rounds.items.map((r) => [r.id, r.label]));
  const items = answer.items ?? [];
  fill(
    el,
    h("h2", {}, "Airdrop entitlements ", h("span", { class: "muted small" }, `(${items.length} rounds)`)),
    items.length === 0
      ? h("p", { class: "muted" }, "No entitlement in any round.")
      : items.map((e) =>
          h(
            "article",
            { class: "entitlement", "data-round-id": e.roundId },
            h(
              "div",
              { class: "entitlement-head" },
              h(
                "a",
                { href: `#/rounds/${e.roundId}`, title: e.roundId },
                labels.get(e.roundId) ?? `round ${short(e.roundId, 8, 4)}`,
              ),
              h("strong", { class: "amount" }, btt(e.amount)),
              badge(e.payout?.status ?? "none"),
            ),
            facts([
              [
                "Holding",
                `${trx(e.holding.total)} (liquid ${trx(e.holding.liquid)}, frozen ${trx(e.holding.frozen)}, unfreezing ${trx(e.holding.unfreezing)})`,
              ],
              ["Payout txid", e.payout?.txId ?? "not yet", "mono txid"],
              ["Block", count(e.payout?.blockNumber)],
              ["Leaf index", count(e.leafIndex)],
              ["Merkle root", e.merkleRoot, "mono"],
            ]),
            h(
              "details",
              { class: "proof" },
              h("summary", {}, `Merkle proof (${e.proof.length} hashes, leaf upwards)`),
              h(
                "ol",
                { class: "mono small" },
                e.proof.map((hash) => h("li", {}, hash)),
              ),
            ),
          ),
        ),
  );
}

async function renderHoldings(el, address) {
  const snapshots = (await get(`/v1/snapshots?limit=${SNAPSHOTS_MAX}`)).items.filter(
    (s) => s.status === "completed",
  );
  const rows = await Promise.all(
    snapshots.map(async (s) => {
      try {
        const holding = await get(`/v1/snapshots/${s.height}/holdings/${address}`);
        return [
          count(s.height),
          formatTime(s.blockTime),
          trx(holding.liquid),
          trx(holding.frozen),
          trx(holding.unfreezing),
          h("strong", {}, trx(holding.total)),
        ];
      } catch (error) {
        if (error instanceof ApiError && error.status === 404)
          return [
            count(s.height),
            formatTime(s.blockTime),
            "—",
            "—",
            "—",
            h("span", { class: "muted" }, "held nothing"),
          ];
        throw error;
      }
    }),
  );
  fill(
    el,
    h(
      "h2",
      {},
      "Holdings per snapshot ",
      h("span", { class: "muted small" }, `(${snapshots.length} snapshots)`),
    ),
    table(["Height", "Block time", "Liquid", "Frozen", "Unfreezing", "Total"], rows, { class: "num-table" }),
  );
}

async function renderSpeed(el, address) {
  const [account, statement] = await Promise.all([
    get(`/v1/speed/accounts/${address}`),
    get(`/v1/speed/accounts/${address}/statement?limit=50`),
  ]);
  fill(
    el,
    h("h2", {}, "Speed account"),
    h(
      "div",
      { class: "cards compact" },
      [
        ["available", "Available"],
        ["locked", "Locked in channels"],
        ["earned", "Earned"],
        ["spent", "Spent"],
        ["rewards", "Rewards"],
        ["granted", "Granted"],
        ["deposited", "Deposited"],
        ["withdrawn", "Withdrawn"],
        ["withdrawing", "Withdrawing"],
      ].map(([field, label]) =>
        h(
          "div",
          { class: "card stat", "data-field": field },
          h("div", { class: "stat-value small-value" }, btt(account[field])),
          h("div", { class: "stat-label" }, label),
        ),
      ),
    ),
    h(
      "h3",
      {},
      "Statement ",
      h(
        "span",
        { class: "muted small" },
        statement.nextCursor ? "(latest 50)" : `(${statement.items.length} lines)`,
      ),
    ),
    table(
      ["#", "At", "Kind", "Amount", "Balance after", "Ref"],
      statement.items.map((l) => [
        l.seq,
        formatTime(l.at),
        l.kind,
        h("span", { class: l.amount.startsWith("-") ? "neg" : "pos" }, btt(l.amount)),
        btt(l.balanceAfter),
        h("span", { class: "mono", title: l.ref }, short(l.ref, 8, 4)),
      ]),
      { class: "num-table" },
    ),
  );
}
