// The fault suite: during an airdrop round and a Speed load, each service is SIGKILLed and
// restarted in turn (the stack runner restarts it), the devnet drops and refuses broadcasts, the
// ledger's Kafka consumer group is made to rebalance, and PostgreSQL connections are cut for a few
// seconds. Afterwards, through the public API and the chain: no payment twice, none missing, no
// voucher applied twice, no command lost, the ledger's invariants and reconciliation hold, every
// service is ready again. It prints what it injected and what it checked.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";
import { REPO_ROOT, sleep } from "../stack/lib/tools.mjs";
import { auditAirdropPayments } from "../test/lib/chain-audit.mjs";
import { apiClient, eventually } from "../test/lib/stack-harness.mjs";
import { createSpeedLoad } from "./speed-load.mjs";

const { Kafka, logLevel } = createRequire(path.join(REPO_ROOT, "services/speed-ledger/package.json"))(
  "kafkajs",
);

const SERVICES = ["airdrop", "speed-ledger", "gateway", "indexer"];

/** Full: three rounds of every fault, a longer load. Short (npm test): each fault once. */
export const FAULT_PLANS = {
  short: { cycles: 1, payers: 4, pool: 1_000_000n * 1_000_000n, pgCutMs: 3_000 },
  full: { cycles: 3, payers: 8, pool: 10_000_000n * 1_000_000n, pgCutMs: 5_000 },
};

function say(line) {
  console.log(`  [faults] ${line}`);
}

async function readyz(url) {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * `harness`: the stack harness handle (infra/test/lib/stack-harness.mjs) of a running stack whose
 * demo has finished its initial airdrop. `plan`: FAULT_PLANS.short or .full.
 */
export async function faultSuite(t, { harness, plan }) {
  const stack = harness.stack();
  const api = apiClient(stack);
  const injected = [];
  const checked = [];
  const inject = (what) => {
    injected.push(what);
    say(`inject: ${what}`);
  };
  const check = (what) => {
    checked.push(what);
    say(`check:  ${what}`);
  };

  async function devnetFaults(faults) {
    const response = await fetch(`${stack.devnetUrl}/devnet/faults`, {
      method: "POST",
      body: JSON.stringify(faults),
    });
    assert.equal(response.status, 200, await response.text());
  }

  let roundId;
  async function roundProgress() {
    try {
      const r = (await api.get(`/v1/rounds/${roundId}`, "operator")).body;
      return `round ${r.status}: ${r.progress.confirmed}/${r.recipients} confirmed, ${r.progress.inFlight ?? 0} in flight`;
    } catch (error) {
      return `round: ${error.message.split("\n")[0]}`;
    }
  }

  /** Exits the suite caused, per service: any other exit in the runner's output is a crash. */
  const causedExits = new Map();
  const exitsBefore = exitsInOutput();
  function exitsInOutput() {
    const counts = new Map();
    for (const [, name] of harness.output().matchAll(/^.*?(\S+) exited \(/gm))
      counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts;
  }

  async function killAndAwaitRestart(name) {
    causedExits.set(name, (causedExits.get(name) ?? 0) + 1);
    const before = harness.stack().pids[name];
    assert.ok(before, `stack.json names no pid for ${name}`);
    process.kill(before, "SIGKILL");
    inject(`SIGKILL ${name} (pid ${before})`);
    const started = Date.now();
    await eventually(
      `${name} restarted and ready`,
      async () => harness.stack().pids[name] !== before && (await readyz(stack.services[name])),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    say(
      `        ${name} back and ready in ${((Date.now() - started) / 1000).toFixed(1)} s; ${await roundProgress()}`,
    );
  }

  /**
   * The Kafka consumers restarted the clean way: SIGTERM leaves the group at once (the ledger's
   * commands and deposits, the gateway's verdicts), the group rebalances, and the new process picks
   * up from the committed offsets — unlike a SIGKILL, whose partitions wait out the session timeout.
   */
  async function restartConsumers(name) {
    causedExits.set(name, (causedExits.get(name) ?? 0) + 1);
    const before = harness.stack().pids[name];
    process.kill(before, "SIGTERM");
    inject(`Kafka consumers of ${name} restarted (SIGTERM: leave the group, rebalance, rejoin)`);
    await eventually(
      `${name} restarted and ready`,
      async () => harness.stack().pids[name] !== before && (await readyz(stack.services[name])),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  }

  async function cutPostgres(forMs) {
    const admin = new pg.Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    let terminated = 0;
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()) t`,
      );
      terminated += rows[0].n;
      await sleep(100);
    }
    await admin.end();
    inject(
      `PostgreSQL: every connection to the stack's database cut for ${forMs / 1000} s (${terminated} terminated)`,
    );
  }

  // the loads: an event round paid by the airdrop, a Speed swarm of our own beside the demo's
  const load = createSpeedLoad({
    gatewayUrl: stack.gatewayUrl,
    operatorKey: stack.apiKeys.operator,
    payers: plan.payers,
  });
  await load.prepare();
  load.start();
  /** An event round at the solidified head, computed and approved: its payouts start now. */
  async function payRound(label) {
    const height = (await (await fetch(`${stack.devnetUrl}/walletsolidity/getnowblock`)).json()).block_header
      .raw_data.number;
    const created = await api.post(
      "/v1/rounds",
      { kind: "event", label, pool: plan.pool.toString(), snapshotHeight: height },
      "operator",
      { headers: { "Idempotency-Key": `fault-suite-${Date.now()}-${roundIds.length}` }, expect: 201 },
    );
    const id = created.body.id;
    const computed = await eventually(
      `${label} computed`,
      async () => {
        const r = (await api.get(`/v1/rounds/${id}`, "operator")).body;
        return r.status === "computed" ? r : undefined;
      },
      { timeoutMs: 120_000 },
    );
    await api.post(`/v1/rounds/${id}/approve`, { merkleRoot: computed.merkleRoot }, "operator", {
      headers: { "Idempotency-Key": `fault-approve-${id}` },
      expect: 200,
    });
    say(`${label} ${id}: ${computed.recipients} recipients at block ${height}, approved: paying`);
    roundIds.push(id);
    roundId = id;
  }
  const roundIds = [];
  say(`Speed load: ${plan.payers} channels streaming`);

  await t.test("faults injected during the round's payouts and the Speed load", async () => {
    try {
      await devnetFaults({ dropBroadcastRate: 0.2, serverBusyRate: 0.1 });
      inject("devnet: 20 % of broadcasts silently dropped, 10 % refused SERVER_BUSY");
      for (let cycle = 1; cycle <= plan.cycles; cycle += 1) {
        if (plan.cycles > 1) say(`cycle ${cycle}/${plan.cycles}`);
        // a round paying while each service goes down (the first cycle's snapshot holds the
        // population; later ones also the load's parties, who hold nothing on chain)
        await payRound(`fault round ${cycle}`);
        for (const name of SERVICES) await killAndAwaitRestart(name);
        await restartConsumers("speed-ledger");
        await restartConsumers("gateway");
        await cutPostgres(plan.pgCutMs);
      }
    } finally {
      // whatever happened, the load stops and the chain heals before the checks
      await devnetFaults({ dropBroadcastRate: 0, serverBusyRate: 0 });
      inject("devnet: broadcasts accepted again");
      await load.stop();
    }
    say(
      `Speed load stopped: ${load.vouchersTaken()} vouchers taken by the gateway, ${load.stats.retries} resent after ` +
        `refusals (${[...load.stats.refusedByGateway].map(([k, v]) => `${k}: ${v}`).join(", ") || "none"})`,
    );
  });

  await t.test("every service is ready again", async () => {
    for (const name of SERVICES)
      await eventually(`${name} ready`, () => readyz(stack.services[name]), { timeoutMs: 60_000 });
    // no service went down by itself (the PostgreSQL cut once crashed three of them)
    const exits = exitsInOutput();
    for (const name of SERVICES) {
      const crashed = (exits.get(name) ?? 0) - (exitsBefore.get(name) ?? 0) - (causedExits.get(name) ?? 0);
      assert.equal(
        crashed,
        0,
        `${name} exited ${crashed} time(s) the suite did not cause:\n${harness.output().slice(-4000)}`,
      );
    }
    check("every service answers /readyz 200, and none exited but by the suite's hand");
  });

  await t.test(
    "the rounds complete: every recipient paid once on chain, none missing, none twice",
    async () => {
      let done;
      for (const id of roundIds) {
        done = await eventually(
          `fault round ${id} completed`,
          async () => {
            const r = (await api.get(`/v1/rounds/${id}`, "operator")).body;
            assert.notEqual(r.status, "failed", JSON.stringify(r));
            return r.status === "completed" ? r : undefined;
          },
          { timeoutMs: 600_000, intervalMs: 1_000 },
        );
        assert.equal(done.progress.confirmed, done.recipients);
        assert.equal(done.progress.failed, 0);
        assert.equal(BigInt(done.progress.paid), BigInt(done.distributed));
      }
      const distributor = done.exclusions.find((x) => /distribut/.test(x.reason)).address;
      const audit = await auditAirdropPayments({
        api,
        fullHost: stack.tronFullHost,
        distributor,
        fromHeight: 6_600_000,
      });
      assert.deepEqual(audit.problems, []);
      check(
        `${roundIds.length} fault round(s) completed; on chain ${audit.onChain} distributor transfers = ` +
          `${audit.confirmedRows} confirmed rows over ${audit.rounds} rounds, none twice, none missing`,
      );
    },
  );

  await t.test("every Speed command the gateway took was applied once, none lost", async () => {
    // the dead-letter topic itself (a process's counter would forget what it did before a kill)
    const admin = new Kafka({ brokers: stack.kafkaBrokers.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets("speed.commands.dlq");
    await admin.disconnect();
    const deadLettered = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    assert.equal(deadLettered, 0, "commands were dead-lettered");
    let vouchers = 0;
    for (const channel of load.channels) {
      const last = channel.vouchers.at(-1);
      const state = await eventually(
        `channel ${channel.id} caught up`,
        async () => {
          const { status, body } = await load.request("GET", `/v1/speed/channels/${channel.id}`);
          return status === 200 && BigInt(body.paid) === (last?.cumulative ?? 0n) ? body : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      );
      assert.equal(state.status, "open");
      for (let i = 0; i < channel.vouchers.length; i += 16) {
        const verdicts = await Promise.all(channel.vouchers.slice(i, i + 16).map((v) => load.verdict(v.id)));
        for (const verdict of verdicts)
          assert.equal(
            verdict.status,
            "accepted",
            `voucher ${verdict.commandId}: ${JSON.stringify(verdict)}`,
          );
      }
      // one credit per voucher in the payee's statement: none applied twice, none skipped
      const statement = await api.all(`/v1/speed/accounts/${channel.payee.address}/statement`);
      const credits = statement.filter((line) => line.kind === "voucher");
      assert.equal(credits.length, channel.vouchers.length, `payee of ${channel.id}`);
      const payee = (await api.get(`/v1/speed/accounts/${channel.payee.address}`)).body;
      assert.equal(BigInt(payee.earned), last?.cumulative ?? 0n);
      // (seeding rewards may have come in on top, from the epochs that closed meanwhile)
      assert.equal(BigInt(payee.available), BigInt(payee.earned) + BigInt(payee.rewards));
      const payer = (await api.get(`/v1/speed/accounts/${channel.payer.address}`)).body;
      assert.equal(
        BigInt(payer.available) + BigInt(payer.locked) + BigInt(payer.spent),
        BigInt(payer.granted),
      );
      vouchers += channel.vouchers.length;
    }
    check(
      `${vouchers} vouchers on ${load.channels.length} channels: each accepted, applied once ` +
        "(one statement credit each, paid = the last cumulative), none dead-lettered",
    );
  });

  await t.test("the ledger's invariants and the custody reconciliation hold", async () => {
    const result = await eventually(
      "a balanced reconciliation",
      async () => {
        const { body } = await api.get("/v1/speed/ledger/check", "operator");
        return body.state === "balanced" ? body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.drift, "0");
    check("ledger invariants hold; custody on chain = owed, drift 0");
  });

  console.log(`\n  [faults] injected ${injected.length}:`);
  for (const line of injected) console.log(`    - ${line}`);
  console.log(`  [faults] checked ${checked.length}:`);
  for (const line of checked) console.log(`    - ${line}`);
}
