// Live Speed traffic until Ctrl-C: each downloader opens a channel to a seeder and pays for every
// piece with a voucher (cumulative amount, signed by the downloader) that the seeder submits
// through the gateway, waiting for the ledger's verdict before serving the next piece. A spent
// channel is closed by its seeder and the downloader moves to the next seeder. Seeders withdraw
// their earnings to their own address now and then; seeding-reward epochs close every minute.
import { setTimeout as sleep } from "node:timers/promises";
import { formatBtt, formatCount, formatRate, tokens } from "./format.mjs";
import { createSpeedCommands, randomInfohash } from "./speed-commands.mjs";
import { isAbort, mapLimited } from "./steps.mjs";

const PIECE_BYTES = 1_048_576n;
/** 0.1 BTT per MiB. */
const PIECE_PRICE = 100_000n;
/** 100 pieces per channel: at full pace a channel is spent and settled every ~100 s. */
const CHANNEL_LOCK = tokens(10);
const CHANNEL_LIFETIME_MS = 60 * 60_000;
const WITHDRAW_EVERY_MS = 60_000;
const WITHDRAW_MIN = tokens(10);
const ERROR_BACKOFF_MS = 2_000;

/** Counters shared by the loops; the reporter reads them. */
function newStats() {
  return {
    startedAt: Date.now(),
    accepted: 0,
    unconfirmed: 0,
    rejected: new Map(),
    opened: 0,
    closed: 0,
    open: 0,
    withdrawals: new Map(),
    errors: 0,
    stoppedDownloaders: 0,
  };
}

export function startSpeedTraffic({ gateway, report, signal, clients, settings }) {
  const commands = createSpeedCommands({ gateway, network: settings.network });
  const { downloaders, seeders } = clients;
  const stats = newStats();
  // each downloader pays one piece per interval; the whole swarm makes `vouchersPerSecond`
  const pace = { vouchersPerSecond: 0, intervalMs: 0 };
  const setRate = (vouchersPerSecond) => {
    pace.vouchersPerSecond = vouchersPerSecond;
    pace.intervalMs = Math.max(50, Math.round((1000 * downloaders.length) / vouchersPerSecond));
  };
  setRate(settings.vouchersPerSecond);
  const noted = new Set();

  /** Prints a problem once per kind, then only counts it (the traffic goes on). */
  function noteOnce(kind, message) {
    if (noted.has(kind)) return;
    noted.add(kind);
    report.note("speed", message);
  }

  function countRejection(what, verdict) {
    const key = `${what} ${verdict.reason}`;
    stats.rejected.set(key, (stats.rejected.get(key) ?? 0) + 1);
    noteOnce(key, `a ${what} was rejected: ${verdict.reason} (counted from now on)`);
  }

  async function openChannel(downloader, payee) {
    const { channelId, verdict } = await commands.openChannel(
      downloader,
      payee,
      CHANNEL_LOCK,
      Date.now() + CHANNEL_LIFETIME_MS,
    );
    // "queued" (no verdict within the wait) is taken as open: a voucher would learn otherwise
    if (verdict.status === "rejected") {
      countRejection("channel.open", verdict);
      return { rejected: verdict.reason };
    }
    stats.opened += 1;
    stats.open += 1;
    return {
      channel: { id: channelId, payer: downloader, payee, infohash: randomInfohash(), paid: 0n, bytes: 0n },
    };
  }

  async function payNextPiece(channel) {
    const cumulative = channel.paid + PIECE_PRICE;
    const bytes = channel.bytes + PIECE_BYTES;
    const verdict = await commands.voucher(channel, cumulative, bytes);
    if (verdict.status === "rejected") {
      countRejection("voucher", verdict);
      return false;
    }
    // "queued": no verdict within the wait; the next voucher's cumulative amount covers it anyway
    if (verdict.status === "accepted") stats.accepted += 1;
    else stats.unconfirmed += 1;
    channel.paid = cumulative;
    channel.bytes = bytes;
    return true;
  }

  async function settle(channel) {
    const verdict = await commands.closeChannel(channel);
    stats.open -= 1;
    if (verdict.status === "rejected") countRejection("channel.close", verdict);
    else stats.closed += 1;
  }

  const pause = (ms) => sleep(ms, undefined, { signal }).catch(() => {});

  /**
   * Runs `tick()` until the abort signal or until it returns false. A failing tick is noted (once
   * per kind of failure) and counted, and the loop goes on after a pause: traffic outlives hiccups.
   */
  async function keepGoing(name, tick) {
    while (!signal.aborted) {
      try {
        if ((await tick()) === false) return;
      } catch (error) {
        if (isAbort(error, signal)) return;
        stats.errors += 1;
        noteOnce(`${name} ${error.code ?? error.name}`, `${name}: ${error.message} (retrying)`);
        await pause(ERROR_BACKOFF_MS);
      }
    }
  }

  /** One piece per tick: open a channel when there is none, pay, settle a spent channel. */
  function downloaderLoop(downloader, index) {
    let channel = null;
    let nextSeeder = index;
    let ticks = 0;
    return keepGoing("a downloader", async () => {
      // spread the swarm over the interval
      if (ticks++ === 0) await pause(Math.floor(Math.random() * pace.intervalMs));
      const tickStarted = Date.now();
      if (!channel) {
        const opened = await openChannel(downloader, seeders[nextSeeder++ % seeders.length]);
        if (opened.rejected === "INSUFFICIENT_FUNDS") {
          // its balance in the ledger is spent: this downloader is done
          stats.stoppedDownloaders += 1;
          return false;
        }
        channel = opened.channel ?? null;
      } else if (!(await payNextPiece(channel))) {
        stats.open -= 1;
        channel = null;
      } else if (channel.paid + PIECE_PRICE > CHANNEL_LOCK) {
        await settle(channel);
        channel = null;
      }
      await pause(Math.max(0, pace.intervalMs - (Date.now() - tickStarted)));
    });
  }

  /** Seeders collect: now and then, what they earned goes to their own address on chain. */
  function seederLoop() {
    return keepGoing("the seeders' withdrawals", async () => {
      await pause(WITHDRAW_EVERY_MS);
      if (signal.aborted) return false;
      const accounts = await mapLimited(seeders, 4, (s) => gateway.get(`/v1/speed/accounts/${s.address}`));
      for (const [i, account] of accounts.entries()) {
        const available = BigInt(account.available);
        if (available < WITHDRAW_MIN) continue;
        const verdict = await commands.withdraw(seeders[i], available);
        if (verdict.status === "rejected") countRejection("withdrawal.request", verdict);
        else
          stats.withdrawals.set(verdict.commandId, {
            amount: available,
            status: "reserved",
            seeder: seeders[i],
          });
      }
      await followWithdrawals();
    });
  }

  async function followWithdrawals() {
    for (const [id, withdrawal] of stats.withdrawals) {
      if (withdrawal.status === "confirmed" || withdrawal.status === "voided") continue;
      const { status, body } = await gateway.request("GET", `/v1/speed/withdrawals/${id}`, { expect: [404] });
      if (status === 404) continue;
      withdrawal.status = body.status;
      if (body.status === "confirmed" && !noted.has("first withdrawal")) {
        noted.add("first withdrawal");
        report.done(
          "speed",
          `seeder ${withdrawal.seeder.address} withdrew ${formatBtt(withdrawal.amount)}: paid from custody on chain (tx ${body.txIds.at(-1)})`,
        );
      }
    }
  }

  const loops = [...downloaders.map((d, i) => downloaderLoop(d, i)), seederLoop()];
  report.say(
    "speed",
    `streaming: ${downloaders.length} downloaders → ${seeders.length} seeders, one voucher per MiB at ` +
      `${formatBtt(PIECE_PRICE)}, channels of ${formatBtt(CHANNEL_LOCK)}, ~${pace.vouchersPerSecond} vouchers/s in all`,
  );

  return {
    stats,
    /** Changes the swarm's pace (vouchers per second in all) from each downloader's next piece on. */
    setRate,
    /** Resolves when every loop has ended (after the abort signal). */
    stopped: () => Promise.allSettled(loops),
    seederAccounts: () => mapLimited(seeders, 4, (s) => gateway.get(`/v1/speed/accounts/${s.address}`)),
  };
}

/** One line of ledger throughput since the previous call, plus what the seeders hold per the ledger. */
export function createThroughputReporter({ traffic, report }) {
  let previous = { at: traffic.stats.startedAt, accepted: 0 };
  return async () => {
    const { stats } = traffic;
    const now = Date.now();
    const accounts = await traffic.seederAccounts();
    const sum = (field) => accounts.reduce((total, a) => total + BigInt(a[field]), 0n);
    const rejected = [...stats.rejected.values()].reduce((a, b) => a + b, 0);
    report.say(
      "ledger",
      `${formatRate(stats.accepted - previous.accepted, now - previous.at)} vouchers/s accepted ` +
        `(${formatCount(stats.accepted)} in all${rejected ? `, ${formatCount(rejected)} rejected` : ""}` +
        `${stats.unconfirmed ? `, ${formatCount(stats.unconfirmed)} without a verdict within 5 s` : ""}); ` +
        `${stats.open} channels open, ${stats.closed} settled; seeders earned ${formatBtt(sum("earned"))}, ` +
        `rewards ${formatBtt(sum("rewards"))}, withdrew ${formatBtt(sum("withdrawn"))}`,
    );
    previous = { at: now, accepted: stats.accepted };
  };
}

/**
 * Reports each seeding-reward epoch that paid something since `since` (the ledger closes one a
 * minute in the demo): its budget, split pro rata among the seeders paid through vouchers in it.
 */
export function createEpochWatcher({ gateway, report, since }) {
  const seen = new Set();
  return async () => {
    const page = await gateway.get("/v1/speed/rewards/epochs?limit=5", { as: "exchange" });
    for (const epoch of [...page.items].reverse()) {
      if (seen.has(epoch.id) || Date.parse(epoch.endsAt) < since) continue;
      seen.add(epoch.id);
      if (BigInt(epoch.distributed) === 0n) continue;
      const largest = epoch.payouts.reduce((max, p) => (BigInt(p.amount) > max ? BigInt(p.amount) : max), 0n);
      report.done(
        "speed",
        `rewards epoch ${epoch.id} closed at ${epoch.endsAt.slice(11, 19)} UTC: ${formatBtt(epoch.distributed)} of ` +
          `${formatBtt(epoch.budget)} shared by ${epoch.payouts.length} seeders pro rata to what vouchers paid them ` +
          `(largest share ${formatBtt(largest)})`,
      );
    }
  };
}
