// Inline SVG charts drawn from data parsed in the browser (no library, no inline style).
import { count, DECIMALS, h, svg } from "./format.js";

/**
 * Buckets base-unit amounts by decade: decade d holds [10^d, 10^(d+1)) base units. Exact on
 * BigInt decimal strings: the decade is the digit count minus one. Zero amounts are skipped.
 */
export function decadeHistogram(values) {
  const counts = new Map();
  for (const value of values) {
    const digits = value.replace(/^0+/, "");
    if (digits === "") continue;
    const decade = digits.length - 1;
    counts.set(decade, (counts.get(decade) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const decades = [...counts.keys()];
  const out = [];
  for (let d = Math.min(...decades); d <= Math.max(...decades); d += 1)
    out.push({ decade: d, n: counts.get(d) ?? 0 });
  return out;
}

const SUFFIXES = [
  [12, "T"],
  [9, "B"],
  [6, "M"],
  [3, "k"],
];

/** 10^(decade − 6) tokens as a short label: 0.001, 1, 10, 1k, 100M. */
export function decadeLabel(decade) {
  const exp = decade - DECIMALS;
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}1`;
  for (const [min, suffix] of SUFFIXES) if (exp >= min) return `1${"0".repeat(exp - min)}${suffix}`;
  return `1${"0".repeat(exp)}`;
}

/**
 * A histogram with logarithmic bins (one per decade of the amount) and a logarithmic count axis
 * (a few whales and thousands of small holders both stay visible).
 */
export function histogramChart(bins, { title, unit, colour = "bar-a" }) {
  const width = 520;
  const height = 230;
  const pad = { left: 46, right: 10, top: 26, bottom: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxN = Math.max(1, ...bins.map((b) => b.n));
  const topExp = Math.max(1, Math.ceil(Math.log10(maxN + 1)));
  const y = (n) => pad.top + plotH - (n <= 0 ? 0 : (Math.log10(n + 1) / topExp) * plotH);
  const barW = bins.length ? plotW / bins.length : plotW;
  const grid = [];
  for (let e = 0; e <= topExp; e += 1) {
    const gy = pad.top + plotH - (e / topExp) * plotH;
    grid.push(svg("line", { x1: pad.left, x2: width - pad.right, y1: gy, y2: gy, class: "grid" }));
    grid.push(
      svg("text", { x: pad.left - 6, y: gy + 4, class: "axis", "text-anchor": "end" }, count(10 ** e)),
    );
  }
  const bars = bins.map((b, i) => {
    const x = pad.left + i * barW;
    const top = y(b.n);
    return svg(
      "g",
      {},
      svg("rect", {
        x: x + 2,
        y: top,
        width: Math.max(1, barW - 4),
        height: pad.top + plotH - top,
        class: colour,
        "data-n": b.n,
      }),
      svg("title", {}, `${count(b.n)} with ${decadeLabel(b.decade)}–${decadeLabel(b.decade + 1)} ${unit}`),
      b.n > 0
        ? svg(
            "text",
            { x: x + barW / 2, y: top - 4, class: "bar-label", "text-anchor": "middle" },
            count(b.n),
          )
        : null,
      svg(
        "text",
        { x: x + barW / 2, y: height - pad.bottom + 16, class: "axis", "text-anchor": "middle" },
        decadeLabel(b.decade),
      ),
    );
  });
  return h(
    "figure",
    { class: "chart" },
    svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "histogram" },
      grid,
      bars,
      svg(
        "text",
        { x: pad.left + plotW / 2, y: height - 8, class: "axis-title", "text-anchor": "middle" },
        `${unit} per address — one bin per power of ten`,
      ),
      svg("text", { x: 4, y: 14, class: "axis-title" }, "count (log)"),
    ),
    h("figcaption", {}, title),
  );
}

/** A small line chart of per-second values (oldest first). */
export function sparkline(points, { label }) {
  const width = 520;
  const height = 90;
  const max = Math.max(1, ...points);
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const coords = points.map(
    (p, i) => `${(i * step).toFixed(1)},${(height - 6 - (p / max) * (height - 16)).toFixed(1)}`,
  );
  return h(
    "figure",
    { class: "chart spark" },
    svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, preserveAspectRatio: "none" },
      svg("line", { x1: 0, x2: width, y1: height - 6, y2: height - 6, class: "grid" }),
      coords.length > 1 ? svg("polyline", { points: coords.join(" "), class: "spark-line" }) : null,
    ),
    h("figcaption", {}, `${label} (peak ${count(Math.max(0, ...points))}/s)`),
  );
}
