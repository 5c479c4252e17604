// Formatting and DOM helpers. Amounts stay BigInt (or decimal strings) end to end: a JS number
// would lose base units above 2^53 (9,007,199,254 BTT is well within a round's pool).

/** Base units per token (BTT and TRX both have 6 decimals). */
export const DECIMALS = 6;

const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** "1234567890" (base units) → "1,234.56789"; negative amounts keep their sign. */
export function formatUnits(value, { decimals = DECIMALS, maxFraction = decimals } = {}) {
  if (value === null || value === undefined || value === "") return "—";
  let units = BigInt(value);
  const negative = units < 0n;
  if (negative) units = -units;
  const scale = 10n ** BigInt(decimals);
  const whole = units / scale;
  let fraction = (units % scale).toString().padStart(decimals, "0").slice(0, maxFraction);
  fraction = fraction.replace(/0+$/, "");
  return `${negative ? "-" : ""}${group(whole.toString())}${fraction ? `.${fraction}` : ""}`;
}

/** An amount with its token: "1,000 BTT". */
export const btt = (value) => (value === null || value === undefined ? "—" : `${formatUnits(value)} BTT`);
export const trx = (value) => (value === null || value === undefined ? "—" : `${formatUnits(value)} TRX`);

/** A count (JSON integer or decimal string) with thousands separators. */
export const count = (n) => (n === null || n === undefined ? "—" : group(String(n)));

/** `part / whole` as a percentage with one decimal, computed on BigInt. */
export function percent(part, whole) {
  const w = BigInt(whole);
  if (w === 0n) return 0;
  const permille = (BigInt(part) * 1000n) / w;
  return Number(permille) / 10;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A long hex or id, shortened for tables (the full value stays in the title). */
export const short = (text, head = 10, tail = 6) =>
  text && text.length > head + tail + 1 ? `${text.slice(0, head)}…${text.slice(-tail)}` : (text ?? "—");

/**
 * h("div", { class: "card", onclick }, "text", child): builds DOM nodes. Text always goes in as
 * text nodes (never HTML), so nothing an API returns can inject markup.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children (arrays flattened, null/false skipped), like h() does. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The same for SVG elements (attributes only: the CSP allows no inline style). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A status word as a coloured badge (colours in console.css by status). */
export const badge = (status, extra = "") =>
  h("span", { class: `badge status-${status} ${extra}`.trim(), "data-status": status }, status);

/** A definition grid: [[label, value], …]. */
export const facts = (rows) =>
  h(
    "dl",
    { class: "facts" },
    rows.filter(Boolean).map(([label, value, cls]) => [h("dt", {}, label), h("dd", { class: cls }, value)]),
  );

/** A table from column headers and rows of cells (cells may be nodes). */
export function table(headers, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((t) => h("th", {}, t)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.length === 0
        ? h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, "nothing yet"))
        : rows.map((cells) =>
            h(
              "tr",
              {},
              cells.map((c) => h("td", {}, c)),
            ),
          ),
    ),
  );
}
