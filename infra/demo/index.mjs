// The story `npm start` tells on the devnet once the services are ready (README, "What `npm start`
// shows"). Two tracks run side by side:
//   airdrop: wait for block 6,600,000 → the schedule's initial entry as an operator → paid, confirmed;
//   speed:   fund the ledger's pools → simulated Speed clients deposit, open channels, stream vouchers.
// It talks to the system only through the public gateway API and to the chain through TronWeb and
// the devnet's HTTP API. A failing step is reported with its logs and the stack keeps running;
// stop() (Ctrl-C) ends every loop before the services stop.
import { setMaxListeners } from "node:events";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bold, dim, REPO_ROOT } from "../stack/lib/tools.mjs";
import { createDemoChain } from "./chain.mjs";
import { createReporter, formatBtt, formatTrx, shortHash } from "./format.mjs";
import { createGatewayClient } from "./gateway.mjs";
import { runInitialAirdrop } from "./initial-airdrop.mjs";
import { fundPools } from "./pools.mjs";
import { DEVELOPMENT_ROLES } from "./settings.mjs";
import { prepareSpeedClients, speedSettings } from "./speed-clients.mjs";
import { createEpochWatcher, createThroughputReporter, startSpeedTraffic } from "./speed-traffic.mjs";
import { isAbort, waitUntil } from "./steps.mjs";

/** Ledger throughput is printed this often while the story unfolds, then less often. */
const REPORT_EVERY_MS = 15_000;
const REPORT_EVERY_AFTER_STORY_MS = 60_000;
const EPOCH_POLL_MS = 5_000;
const FIRST_VOUCHER_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const MAX_SIGNAL_LISTENERS = 500;

/** .btt/demo.json: what the demo created (round, sample holder, Speed parties), for scripts and tests. */
function demoStateFile(file) {
  let state = {};
  return {
    file,
    update(patch) {
      state = { ...state, ...patch };
      writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
    },
    remove: () => rmSync(file, { force: true }),
  };
}

/**
 * `stack`: what start.mjs wrote to stack.json; `env`: the services' environment (funders, custody,
 * network) and the DEMO_* knobs.
 */
export function startDemo({ startedAt, stack, env, stateDir }) {
  const controller = new AbortController();
  const { signal } = controller;
  // every request and wait of the concurrent loops listens to this one signal
  setMaxListeners(MAX_SIGNAL_LISTENERS, signal);
  const report = createReporter({ startedAt });
  const gateway = createGatewayClient({
    baseUrl: stack.gatewayUrl,
    operatorKey: stack.apiKeys.operator,
    exchangeKey: stack.apiKeys.exchange,
    signal,
  });
  const chain = createDemoChain({ fullHost: stack.devnetUrl, signal });
  const state = demoStateFile(path.join(stateDir, "demo.json"));
  const logDir = path.relative(REPO_ROOT, stack.logDir);
  let traffic = null;
  let storyTold = false;
  let airdropRunning = true;

  /** Runs one track; a failure is reported with the logs to read, and the other track goes on. */
  async function track(name, work) {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      if (isAbort(error, signal)) return { ok: false, aborted: true };
      const where = error.step ? ` at step "${error.step}"` : "";
      const logs = error.logs ? error.logs.map((l) => `${logDir}/${l}.log`) : [`${logDir}/`];
      report.problem(name, `demo ${name} track failed${where}: ${error.message}`);
      report.problem(
        name,
        `the stack keeps running for inspection${logs.length ? `; see ${logs.join(", ")}` : ""} (Ctrl-C stops everything)`,
      );
      return { ok: false, error };
    }
  }

  async function speedTrack(accounts, roles, settings) {
    await fundPools({ chain, gateway, report, signal, accounts, roles, env });
    const clients = await prepareSpeedClients({ chain, gateway, report, signal, roles, env, settings });
    state.update({
      speed: {
        network: settings.network,
        downloaders: clients.downloaders.map((d) => d.address),
        seeders: clients.seeders.map((s) => s.address),
      },
    });
    // gently while the airdrop pays (the two cores are its critical path), at full pace after it
    const rate = airdropRunning ? settings.vouchersPerSecondDuringAirdrop : settings.vouchersPerSecond;
    traffic = startSpeedTraffic({
      gateway,
      report,
      signal,
      clients,
      settings: { ...settings, vouchersPerSecond: rate },
    });
    void reportLoop(traffic);
    await waitUntil(() => traffic.stats.accepted > 0 || undefined, {
      timeoutMs: FIRST_VOUCHER_TIMEOUT_MS,
      intervalMs: 200,
      signal,
      onTimeout: () =>
        `no voucher accepted within ${FIRST_VOUCHER_TIMEOUT_MS / 1000} s (rejections: ${JSON.stringify(Object.fromEntries(traffic.stats.rejected))})`,
    });
    report.done("speed", "first vouchers accepted by the ledger: Speed traffic is live");
    return { seeder: clients.seeders[0].address, downloader: clients.downloaders[0].address };
  }

  async function reportLoop(running) {
    const throughput = createThroughputReporter({ traffic: running, report });
    const epochs = createEpochWatcher({ gateway, report, since: running.stats.startedAt });
    let lastThroughput = Date.now();
    while (!signal.aborted) {
      try {
        await sleep(EPOCH_POLL_MS, undefined, { signal });
        await epochs();
        const every = storyTold ? REPORT_EVERY_AFTER_STORY_MS : REPORT_EVERY_MS;
        if (Date.now() - lastThroughput >= every) {
          lastThroughput = Date.now();
          await throughput();
        }
      } catch (error) {
        if (isAbort(error, signal)) return;
        report.note("ledger", `could not read the ledger's figures: ${error.message}`);
      }
    }
  }

  async function run() {
    console.log(
      `\n${bold("▸")} demo: the initial airdrop at block 6,600,000 and live BitTorrent Speed traffic ${dim("(BTT_DEMO=off skips it)")}`,
    );
    const accounts = await chain.developmentAccounts();
    const roles = Object.fromEntries(
      Object.entries(DEVELOPMENT_ROLES).map(([role, i]) => [role, accounts[i]]),
    );
    const settings = speedSettings(env);
    state.update({ gatewayUrl: stack.gatewayUrl });
    const [airdrop, speed] = await Promise.all([
      track("airdrop", () => runInitialAirdrop({ chain, gateway, report, signal, state })).finally(() => {
        airdropRunning = false;
        if (
          !traffic ||
          signal.aborted ||
          settings.vouchersPerSecond === settings.vouchersPerSecondDuringAirdrop
        )
          return;
        traffic.setRate(settings.vouchersPerSecond);
        report.say(
          "speed",
          `the airdrop is done: the Speed clients pick up the pace to ~${settings.vouchersPerSecond} vouchers/s`,
        );
      }),
      track("speed", () => speedTrack(accounts, roles, settings)),
    ]);
    if (signal.aborted) return;
    storyTold = true;
    printWhereToLook(airdrop, speed);
  }

  function printWhereToLook(airdrop, speed) {
    const g = stack.gatewayUrl;
    const ex = `-H 'Authorization: Bearer ${gateway.keys.exchange}'`;
    const op = `-H 'Authorization: Bearer ${gateway.keys.operator}'`;
    const rows = [
      ["API reference", `${g}/docs   (OpenAPI 3.1: ${g}/v1/openapi.json)`],
      ["Operator key", gateway.keys.operator],
      ["Exchange key", gateway.keys.exchange],
      ["Schedule", `curl -s ${g}/v1/schedule`],
    ];
    if (airdrop.ok) {
      const { roundId, sample } = airdrop.value;
      rows.push(["The round", `curl -s ${ex} ${g}/v1/rounds/${roundId}`]);
      if (sample) {
        const paid = sample.payout.txId ? `, paid in tx ${shortHash(sample.payout.txId)}` : "";
        rows.push([
          "A holder",
          `${sample.address} held ${formatTrx(sample.holding.total)} (liquid ${formatTrx(sample.holding.liquid)}, ` +
            `frozen ${formatTrx(sample.holding.frozen)}, unfreezing ${formatTrx(sample.holding.unfreezing)}), ` +
            `got ${formatBtt(sample.amount)}${paid}; its entitlement with the Merkle proof:`,
        ]);
        rows.push(["", `curl -s ${ex} ${g}/v1/rounds/${roundId}/entitlements/${sample.address}`]);
      }
      rows.push(["Recompute the root", `npm run verify-round -- ${roundId}`]);
    }
    if (speed.ok) {
      rows.push([
        "A seeder",
        `curl -s ${g}/v1/speed/accounts/${speed.value.seeder}   (…/statement, …/channels)`,
      ]);
      rows.push(["Reward epochs", `curl -s ${ex} ${g}/v1/speed/rewards/epochs`]);
    }
    rows.push(["Ledger check", `curl -s ${op} ${g}/v1/speed/ledger/check`]);
    rows.push([
      "Logs",
      `${logDir}/<process>.log   (what the demo created: ${path.relative(REPO_ROOT, state.file)})`,
    ]);
    const width = Math.max(...rows.map(([label]) => label.length)) + 2;
    const lines = rows.map(([label, value]) => `  ${bold(label.padEnd(width))}${value}`);
    const speedNote = speed.ok ? "Speed traffic goes on until Ctrl-C" : "the Speed track failed, see above";
    console.log(
      `\n${bold("▸")} where to look (${speedNote}):\n${lines.join("\n")}\n${dim("Ctrl-C stops everything.")}`,
    );
  }

  const done = run().catch((error) => {
    if (!isAbort(error, signal)) report.problem("demo", `${error.message} (the stack keeps running)`);
  });

  return {
    done,
    async stop() {
      controller.abort();
      const loops = Promise.allSettled([done, traffic?.stopped()]);
      await Promise.race([loops, sleep(STOP_GRACE_MS, undefined, { ref: false })]);
      state.remove();
    },
  };
}
