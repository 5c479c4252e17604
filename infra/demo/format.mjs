// How the demo prints: amounts from bigint base units, counts, rates, and one line per event,
// stamped with the time since `npm start` began (so the terminal doubles as the timeline).
import { bold, dim, green, red, yellow } from "../stack/lib/tools.mjs";

/** Base units per BTT and per TRX (both have 6 decimals). */
export const BASE_UNITS_PER_TOKEN = 1_000_000n;

/** `1234567` → `"1,234,567"`; bigint or safe integer. */
export function formatCount(value) {
  return BigInt(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 6-decimal base units → `"1,234.5 BTT"` (trailing zeros dropped, exact). */
export function formatToken(baseUnits, symbol) {
  const amount = BigInt(baseUnits);
  const sign = amount < 0n ? "-" : "";
  const abs = amount < 0n ? -amount : amount;
  const whole = formatCount(abs / BASE_UNITS_PER_TOKEN);
  const fraction = (abs % BASE_UNITS_PER_TOKEN).toString().padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""} ${symbol}`;
}

export const formatBtt = (baseUnits) => formatToken(baseUnits, "BTT");
export const formatTrx = (sun) => formatToken(sun, "TRX");

/** Whole tokens → base units (constants in the demo's code read in BTT/TRX). */
export function tokens(whole) {
  return BigInt(whole) * BASE_UNITS_PER_TOKEN;
}

export function formatSeconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatRate(count, ms) {
  if (ms <= 0) return "–";
  const perSecond = (Number(count) * 1000) / ms;
  return perSecond >= 100 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1);
}

export function shortHash(hex) {
  return hex && hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : String(hex);
}

/**
 * The demo's voice: `say("airdrop", "…")` prints `  01:23 airdrop  …`. Lines of one topic line up;
 * `done` marks a finished step, `problem` a failed one (on stderr).
 */
export function createReporter({ startedAt }) {
  const clock = () => {
    const seconds = Math.floor((Date.now() - startedAt) / 1000);
    return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  };
  const line = (topic, mark, message) => `  ${dim(clock())} ${bold(topic.padEnd(7))} ${mark} ${message}`;
  return {
    say: (topic, message) => console.log(line(topic, " ", message)),
    done: (topic, message) => console.log(line(topic, green("✓"), message)),
    note: (topic, message) => console.log(line(topic, yellow("!"), message)),
    problem: (topic, message) => console.error(line(topic, red("✗"), message)),
    raw: (text) => console.log(text),
  };
}
