// The schedule's initial drop, run the way an operator would: once block 6,600,000 is solidified,
// POST /v1/rounds {"scheduleEntryId"} through the gateway, then follow the round — snapshot,
// computation, (auto-)approval, payouts confirmed on chain — until it is completed and the
// schedule entry reads `completed`.
import { setTimeout as sleep } from "node:timers/promises";
import { formatBtt, formatCount, formatRate, formatSeconds, formatTrx, shortHash } from "./format.mjs";
import { DemoStepError, step, waitUntil } from "./steps.mjs";

const POLL_MS = 1_000;
/** Payout progress is printed at most this often (phase changes are printed at once). */
const PROGRESS_EVERY_MS = 4_000;
const CHAIN_NOTE_EVERY_MS = 10_000;
/** Longest a round may sit without any progress before the demo calls it stuck. */
const STALL_TIMEOUT_MS = 300_000;
const LOGS = ["gateway", "airdrop", "indexer", "tron-devnet"];

async function initialEntry(gateway) {
  const schedule = await gateway.get("/v1/schedule");
  const entry = schedule.entries.find((e) => e.kind === "initial");
  if (!entry) throw new Error("GET /v1/schedule lists no initial entry");
  if (entry.snapshot.height === null) throw new Error(`the initial entry ${entry.id} has no snapshot height`);
  return entry;
}

/** Waits, printing now and then, until `height` is solidified (the indexer only reads solidified blocks). */
async function waitForSolidified({ chain, report, signal }, height) {
  let lastNote = 0;
  let previous = null;
  return waitUntil(
    async () => {
      const solid = await chain.solidHead();
      if (solid >= height) return solid;
      const now = Date.now();
      if (now - lastNote >= CHAIN_NOTE_EVERY_MS) {
        const eta =
          previous && solid > previous.solid
            ? ` (in ~${Math.ceil(((height - solid) * (now - previous.at)) / (solid - previous.solid) / 1000)} s)`
            : "";
        report.say(
          "chain",
          `solidified head ${formatCount(solid)}; waiting for ${formatCount(height)}${eta}`,
        );
        lastNote = now;
        previous = { solid, at: now };
      }
      return undefined;
    },
    {
      timeoutMs: 30 * 60_000,
      intervalMs: 250,
      signal,
      onTimeout: () => `block ${height} was not solidified within 30 minutes`,
    },
  );
}

function describeRatio(round) {
  const { numerator, denominator, decimal } = round.ratio;
  return numerator === denominator
    ? "1 BTT per TRX (the pool covers every holder: 1:1 rule)"
    : `${decimal} BTT per TRX`;
}

/**
 * Follows the round until it is completed: one line per phase, payout progress at most every
 * PROGRESS_EVERY_MS. Returns the completed round and when each phase was first seen.
 */
async function followRound({ gateway, report, signal }, round) {
  const times = { created: Date.now() };
  const printed = new Set();
  let last = round;
  let lastMoveAt = Date.now();
  let progressAt = 0;
  let progressConfirmed = 0;
  let snapshotSeen = null;
  for (;;) {
    await sleep(POLL_MS, undefined, { signal });
    const current = await gateway.get(`/v1/rounds/${round.id}`, { as: "exchange" });
    const now = Date.now();
    if (
      current.status !== last.status ||
      current.statusReason !== last.statusReason ||
      current.progress.confirmed !== last.progress.confirmed
    )
      lastMoveAt = now;
    else if (now - lastMoveAt > STALL_TIMEOUT_MS)
      throw new Error(
        `round ${round.id} has not moved for ${STALL_TIMEOUT_MS / 1000} s (status ${current.status}${current.statusReason ? `: ${current.statusReason}` : ""})`,
      );
    if (snapshotSeen !== "completed" && current.snapshotHeight !== null)
      snapshotSeen = await reportSnapshot({ gateway, report }, current.snapshotHeight, snapshotSeen, times);
    times[current.status] ??= now;
    reportPhases(report, current, printed, now - times[current.status]);
    last = current;

    if (current.status === "distributing" && now - (progressAt || times.distributing) >= PROGRESS_EVERY_MS) {
      const p = current.progress;
      const pct = p.recipients ? ((100 * p.confirmed) / p.recipients).toFixed(1) : "0.0";
      report.say(
        "airdrop",
        `paying: ${formatCount(p.confirmed)}/${formatCount(p.recipients)} transfers confirmed (${pct} %), ` +
          `${formatCount(p.inFlight ?? 0)} in flight, ${formatBtt(p.paid)} paid, ` +
          `${formatRate(p.confirmed - progressConfirmed, now - (progressAt || times.distributing))} transfers/s`,
      );
      progressAt = now;
      progressConfirmed = p.confirmed;
    }
    if (current.status === "completed") return { round: current, times };
    if (["failed", "cancelling", "cancelled"].includes(current.status))
      throw new Error(
        `round ${current.id} is ${current.status}: ${current.statusReason ?? "no reason given"}`,
      );
  }
}

async function reportSnapshot({ gateway, report }, height, seen, times) {
  const { status, body } = await gateway.request("GET", `/v1/snapshots/${height}`, {
    as: "exchange",
    expect: [404],
  });
  if (status === 404 || body.status === seen) return seen;
  if (body.status === "running") report.say("airdrop", `snapshot ${formatCount(height)}: running`);
  if (body.status === "failed") throw new Error(`snapshot ${height} failed: ${JSON.stringify(body.failure)}`);
  if (body.status === "completed") {
    times.snapshot = Date.now();
    const t = body.totals;
    report.done(
      "airdrop",
      `snapshot ${formatCount(height)}: ${formatCount(body.holders)} holders (rows), ${formatTrx(body.total)} ` +
        `(liquid ${formatTrx(t.liquid)}, frozen ${formatTrx(t.frozen)} — Stake 1.0 ${formatTrx(t.frozenV1 ?? 0)}, ` +
        `Stake 2.0 ${formatTrx(t.frozenV2 ?? 0)} — unfreezing ${formatTrx(t.unfreezing)}), content hash ${shortHash(body.contentHash)}`,
    );
  }
  return body.status;
}

/**
 * Prints each phase once, in order, even when a poll skipped one (auto-approval follows the
 * computation within a second or two). `inPhaseMs`: how long the round has been in its status.
 */
function reportPhases(report, round, printed, inPhaseMs) {
  const once = (key, print) => {
    if (printed.has(key)) return;
    printed.add(key);
    print();
  };
  const computedOrLater = round.status !== "computing";
  if (computedOrLater && round.merkleRoot)
    once("computed", () =>
      report.done(
        "airdrop",
        `computed: ${formatCount(round.recipients)} recipients, eligible ${formatTrx(round.eligibleTotal)}, ` +
          `${describeRatio(round)}, ${round.exclusions.length} exclusions, ${formatBtt(round.undistributed)} undistributed, ` +
          `Merkle root ${shortHash(round.merkleRoot)}`,
      ),
    );
  if (round.status === "computed" && round.approvals.length < round.approvalsRequired && inPhaseMs > 10_000)
    once("approval hint", () =>
      report.note(
        "airdrop",
        `waiting for ${round.approvalsRequired - round.approvals.length} operator approval(s) of root ${round.merkleRoot} ` +
          `(AIRDROP_AUTO_APPROVE is off): POST /v1/rounds/${round.id}/approve {"merkleRoot"}`,
      ),
    );
  if (["approved", "distributing", "paused", "completed"].includes(round.status))
    once("approved", () => {
      const who = round.approvals.map((a) => a.keyId).join(", ") || "the approval policy";
      report.say(
        "airdrop",
        `approved (${who}); paying ${formatCount(round.recipients)} transfers from the distributor`,
      );
    });
  if (round.status === "paused")
    once(`paused ${round.statusReason}`, () =>
      report.note("airdrop", `round paused: ${round.statusReason ?? "no reason given"}`),
    );
}

/** The whole initial drop; resolves to what the "where to look" block shows. */
export async function runInitialAirdrop({ chain, gateway, report, signal, state }) {
  const entry = await step("find the initial entry in GET /v1/schedule", ["gateway", "airdrop"], () =>
    initialEntry(gateway),
  );
  if (entry.status === "completed") {
    report.note("airdrop", `the initial entry already reads completed (round ${entry.roundId})`);
    return { roundId: entry.roundId, entryId: entry.id };
  }
  const height = entry.snapshot.height;
  report.say(
    "airdrop",
    `schedule: "${entry.label}" (${entry.kind}, ${entry.status}), pool ${formatBtt(entry.pool)}, snapshot at block ${formatCount(height)}`,
  );
  await step(`wait for block ${height} to be solidified`, ["tron-devnet"], () =>
    waitForSolidified({ chain, report, signal }, height),
  );
  report.done("chain", `block ${formatCount(height)} solidified`);

  const { body: round } = await step("POST /v1/rounds", LOGS, () =>
    gateway.post(
      "/v1/rounds",
      { scheduleEntryId: entry.id },
      { as: "operator", idempotencyKey: `btt-demo:initial-airdrop:${entry.id}` },
    ),
  );
  state.update({ round: { id: round.id, entryId: entry.id } });
  report.say("airdrop", `operator: POST /v1/rounds {"scheduleEntryId":"${entry.id}"} → round ${round.id}`);

  const { round: done, times } = await step(`follow round ${round.id}`, LOGS, () =>
    followRound({ gateway, report, signal }, round),
  );
  const payMs = Date.now() - (times.distributing ?? times.approved ?? times.created);
  const sample = await step("pick a holder", ["gateway", "airdrop"], () => pickHolder(gateway, done.id));
  state.update({ round: { id: done.id, entryId: entry.id, sampleHolder: sample.address } });
  report.done(
    "airdrop",
    `initial airdrop completed: ${formatCount(done.progress.confirmed)}/${formatCount(done.recipients)} transfers confirmed on chain, ` +
      `${formatBtt(done.progress.paid)} paid to the holders of block ${formatCount(height)} at ${describeRatio(done)} ` +
      `(pool ${formatBtt(done.pool)}, ${formatBtt(done.undistributed)} undistributed); ` +
      `snapshot + computation ${formatSeconds((times.computed ?? times.approved ?? times.distributing) - times.created)}, ` +
      `payouts ${formatSeconds(payMs)} at ${formatRate(done.progress.confirmed, payMs)} transfers/s`,
  );

  const settled = await step("read the schedule entry", ["gateway", "airdrop"], () =>
    waitUntil(
      async () => {
        const now = await initialEntry(gateway);
        return now.status === "completed" ? now : undefined;
      },
      { timeoutMs: 30_000, signal, onTimeout: () => "the initial entry does not read completed" },
    ),
  );
  report.done(
    "airdrop",
    `GET /v1/schedule: "${settled.label}" reads ${settled.status} (round ${settled.roundId})`,
  );
  return { roundId: done.id, entryId: entry.id, sample };
}

/**
 * A real holder paid in this round, from the first page (address order): preferably one whose
 * holding has all three components (liquid, frozen, unfreezing), the largest such.
 */
async function pickHolder(gateway, roundId) {
  const page = await gateway.get(`/v1/rounds/${roundId}/entitlements?limit=500`, { as: "exchange" });
  if (page.items.length === 0)
    throw new DemoStepError("pick a holder", `round ${roundId} has no entitlements`);
  const components = (e) =>
    ["liquid", "frozen", "unfreezing"].filter((c) => BigInt(e.holding[c]) > 0n).length;
  return page.items.reduce((best, e) => {
    const rank = components(e) - components(best);
    return rank > 0 || (rank === 0 && BigInt(e.amount) > BigInt(best.amount)) ? e : best;
  });
}
