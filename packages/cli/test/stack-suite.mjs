// The btt CLI against a running stack: every command as a child process (`node dist/main.js …`),
// exit codes and output checked. Called by packages/cli/test/stack.test.mjs (BTT_STACK_FILE) and
// by infra/test/stack.test.mjs, which starts one stack for several suites.
//
//   export async function cliSuite(t, { stack })   t: node:test TestContext, stack: parsed stack.json
//
// It creates two small event rounds (1,000 BTT each, from the event budget) at the solidified head:
// A is cancelled while computed, B is approved, paused, resumed and watched to completion.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const POOL_BASE_UNITS = "1000000000";
const CSV_HEADER = "address,liquid,frozen,unfreezing,total,amount,leafIndex,txId";
const EXIT = { OK: 0, API_ERROR: 1, USAGE: 2, CHECK_FAILED: 3, UNREACHABLE: 4, ROUND_NOT_COMPLETED: 5 };
const COMPUTE_TIMEOUT_MS = 180_000;
const WATCH_TIMEOUT_MS = 300_000;

/** Runs the CLI; stdout to a file instead of memory when `stdoutFile` is given. */
function runCli(args, { env = {}, stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, "w") : "pipe";
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", out, "pipe"],
    });
    if (typeof out === "number") closeSync(out);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const describeRun = (args, result) =>
  `btt ${args.join(" ")} → exit ${result.code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr}`;

export async function cliSuite(t, { stack }) {
  assert.ok(
    existsSync(CLI),
    `${CLI} is missing: build the CLI first (pnpm exec turbo run build --filter @btt/cli)`,
  );
  const env = { BTT_GATEWAY_URL: stack.gatewayUrl, BTT_API_KEY: stack.apiKeys.operator };

  async function btt(args, options = {}) {
    const result = await runCli(args, { ...options, env: { ...env, ...options.env } });
    return { ...result, describe: () => describeRun(args, result) };
  }

  /** Runs the CLI and expects `code`; returns the parsed stdout with --json. */
  async function expectExit(args, code, options) {
    const result = await btt(args, options);
    assert.equal(result.code, code, result.describe());
    return result;
  }

  async function api(method, urlPath, body) {
    const response = await fetch(`${stack.gatewayUrl}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.apiKeys.operator}`,
        "content-type": "application/json",
        ...(method === "POST" ? { "idempotency-key": randomUUID() } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${urlPath} → ${response.status} ${text}`);
    return JSON.parse(text);
  }

  async function solidifiedHeight() {
    const response = await fetch(`${stack.devnetUrl}/walletsolidity/getnowblock`);
    const block = await response.json();
    const height = block?.block_header?.raw_data?.number;
    assert.ok(
      Number.isInteger(height),
      `no solidified head from ${stack.devnetUrl}: ${JSON.stringify(block)}`,
    );
    return height;
  }

  async function createEventRound(label) {
    const round = await api("POST", "/v1/rounds", {
      kind: "event",
      label,
      pool: POOL_BASE_UNITS,
      snapshotHeight: await solidifiedHeight(),
    });
    assert.match(round.id, /^[0-9a-f-]{36}$/);
    return round;
  }

  async function waitForStatus(id, statuses, timeoutMs = COMPUTE_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const round = await api("GET", `/v1/rounds/${id}`);
      if (statuses.includes(round.status)) return round;
      assert.ok(
        !["failed", "cancelled"].includes(round.status) || statuses.includes(round.status),
        `round ${id} is ${round.status} (${round.statusReason}), waiting for ${statuses.join("/")}`,
      );
      assert.ok(Date.now() < deadline, `round ${id} still ${round.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const state = { roundA: null, roundB: null, csvRows: null };
  const workDir = mkdtempSync(path.join(tmpdir(), "btt-cli-stack-"));

  await t.test("btt --help and btt <command> --help", async () => {
    const help = await expectExit(["--help"], EXIT.OK);
    for (const command of [
      "schedule list",
      "rounds watch <id>",
      "entitlement <round> <address>",
      "ledger check",
    ]) {
      assert.ok(help.stdout.includes(command), `--help lists ${command}`);
    }
    const watchHelp = await expectExit(["rounds", "watch", "--help"], EXIT.OK);
    assert.match(watchHelp.stdout, /usage: btt rounds watch <id>/);
  });

  await t.test("schedule list: the 73 entries, as a table and as JSON", async () => {
    const json = JSON.parse((await expectExit(["schedule", "list", "--json"], EXIT.OK)).stdout);
    assert.equal(json.entries.length, 73);
    const table = await expectExit(["schedule", "list"], EXIT.OK);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0], /^PAYOUT\s+KIND\s+LABEL\s+SNAPSHOT\s+POOL \(BTT\)\s+STATUS/);
    assert.equal(lines.filter((line) => /^\d{4}-\d{2}-\d{2}\s/.test(line)).length, 73);
    assert.match(table.stdout, /10,890,000,000\.000000/, "the initial pool in BTT with six decimals");
    assert.match(table.stdout, /73 entries/);
  });

  await t.test(
    "an event round created through the API reaches computed",
    { timeout: COMPUTE_TIMEOUT_MS + 30_000 },
    async () => {
      const [a, b] = [
        await createEventRound(`CLI test A ${stamp}`),
        await createEventRound(`CLI test B ${stamp}`),
      ];
      state.roundA = await waitForStatus(a.id, ["computed"]);
      state.roundB = await waitForStatus(b.id, ["computed"]);
      assert.match(state.roundA.merkleRoot, /^[0-9a-f]{64}$/);
      assert.ok(state.roundB.recipients > 0);
    },
  );

  await t.test("rounds list and rounds show, with the new rounds in them", async () => {
    assert.ok(state.roundB, "round B was created");
    const b = state.roundB;
    const page = JSON.parse((await expectExit(["rounds", "list", "--json"], EXIT.OK)).stdout);
    assert.ok(
      page.items.some((round) => round.id === b.id),
      "the JSON page lists round B",
    );
    const table = await expectExit(["rounds", "list"], EXIT.OK);
    assert.match(table.stdout, /^ROUND\s+KIND\s+LABEL\s+SNAPSHOT\s+POOL \(BTT\)\s+RECIPIENTS\s+STATUS/);
    const rowB = table.stdout.split("\n").find((line) => line.startsWith(b.id));
    assert.ok(rowB, table.stdout);
    assert.match(rowB, new RegExp(`\\s1,000\\.000000\\s+${b.recipients}\\s+computed\\s`));
    const computed = JSON.parse(
      (await expectExit(["rounds", "list", "--status", "computed", "--json"], EXIT.OK)).stdout,
    );
    assert.ok(computed.items.length >= 2 && computed.items.every((round) => round.status === "computed"));
    const show = await expectExit(["rounds", "show", b.id], EXIT.OK);
    assert.match(show.stdout, new RegExp(`^round\\s+${b.id}$`, "m"));
    assert.match(show.stdout, /^status\s+computed$/m);
    assert.match(show.stdout, new RegExp(`^merkle root\\s+${b.merkleRoot}$`, "m"));
    assert.match(show.stdout, /^approvals\s+0 of \d+$/m);
    const shown = JSON.parse((await expectExit(["rounds", "show", b.id, "--json"], EXIT.OK)).stdout);
    assert.deepEqual({ id: shown.id, root: shown.merkleRoot }, { id: b.id, root: b.merkleRoot });
    await expectExit(["rounds", "list", "--status", "bogus"], EXIT.USAGE);
  });

  await t.test(
    "rounds pause/resume are refused on a computed round (409, exit 1); cancel is accepted",
    async () => {
      assert.ok(state.roundA, "round A was created");
      const id = state.roundA.id;
      const pause = await expectExit(["rounds", "pause", id, "--reason", "CLI test"], EXIT.API_ERROR);
      assert.match(pause.stderr, /^btt: 409 CONFLICT: .*only a distributing round can be paused/);
      const resume = await expectExit(
        ["rounds", "resume", id, "--reason", "CLI test", "--json"],
        EXIT.API_ERROR,
      );
      assert.equal(JSON.parse(resume.stderr).error.code, "CONFLICT");
      await expectExit(["rounds", "cancel", id], EXIT.USAGE); // --reason is required
      const cancel = await expectExit(
        ["rounds", "cancel", id, "--reason", "CLI test: cancel a computed round"],
        EXIT.OK,
      );
      assert.match(cancel.stdout, /now cancelled: CLI test: cancel a computed round/);
      assert.equal((await api("GET", `/v1/rounds/${id}`)).status, "cancelled");
    },
  );

  await t.test("rounds watch exits non-zero (5) on a cancelled round", async () => {
    assert.ok(state.roundA, "round A was created");
    const watch = await expectExit(["rounds", "watch", state.roundA.id], EXIT.ROUND_NOT_COMPLETED);
    assert.match(watch.stderr, /ended cancelled/);
  });

  await t.test(
    "rounds approve, pause, resume, then rounds watch until completed",
    { timeout: WATCH_TIMEOUT_MS + 30_000 },
    async () => {
      assert.ok(state.roundB, "round B was created");
      const id = state.roundB.id;
      await expectExit(["rounds", "approve", id, "--root", "00".repeat(32)], EXIT.API_ERROR); // STALE_ROOT
      const approve = await expectExit(["rounds", "approve", id, "--json"], EXIT.OK);
      const approved = JSON.parse(approve.stdout);
      assert.equal(approved.approvals.length, 1);
      assert.ok(["approved", "distributing"].includes(approved.status), approved.status);
      const distributing = await waitForStatus(id, ["distributing", "completed"], 60_000);
      if (distributing.status === "distributing") {
        const pause = await expectExit(["rounds", "pause", id, "--reason", "CLI test: pause"], EXIT.OK);
        assert.match(pause.stdout, /now paused/);
        const resume = await expectExit(
          ["rounds", "resume", id, "--reason", "CLI test: resume", "--json"],
          EXIT.OK,
        );
        assert.equal(JSON.parse(resume.stdout).status, "distributing");
      } else {
        t.diagnostic(`round ${id} completed before it could be paused`);
      }
      const watch = await expectExit(["rounds", "watch", id, "--interval", "500"], EXIT.OK);
      const lines = watch.stdout.trim().split("\n");
      assert.ok(lines.length >= 2, watch.stdout);
      assert.match(lines.at(-2), /\[█+\] 100\.0%\s+confirmed (\d+)\/\1 .*completed$/);
      assert.match(
        lines.at(-1),
        new RegExp(`^round ${id} completed: \\d+ confirmed, 0 failed of ${state.roundB.recipients}`),
      );
      const again = await expectExit(["rounds", "watch", id, "--json"], EXIT.OK);
      assert.equal(JSON.parse(again.stdout.trim().split("\n").at(-1)).status, "completed");
    },
  );

  await t.test("export writes the whole table as CSV with API.md's columns", async () => {
    assert.ok(state.roundB, "round B was created");
    const file = path.join(workDir, "round-b.csv");
    const result = await expectExit(["export", state.roundB.id], EXIT.OK, { stdoutFile: file });
    assert.equal(result.stderr, "");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], CSV_HEADER);
    state.csvRows = lines.slice(1).map((line) => line.split(","));
    assert.equal(state.csvRows.length, state.roundB.recipients);
    assert.ok(
      state.csvRows.every((row) => row.length === 8 && /^T/.test(row[0]) && /^[0-9a-f]{64}$/.test(row[7])),
    );
  });

  await t.test("entitlement --verify checks proofs against the published root", async () => {
    assert.ok(state.csvRows, "the export ran");
    const id = state.roundB.id;
    // the middle leaf, and the last (promoted at the first level when the count is odd)
    for (const row of [state.csvRows[Math.floor(state.csvRows.length / 2)], state.csvRows.at(-1)]) {
      const human = await expectExit(["entitlement", id, row[0], "--verify"], EXIT.OK);
      assert.match(human.stdout, /✓ verified/);
      assert.match(human.stdout, new RegExp(`^payout\\s+confirmed\\s+txid ${row[7]}`, "m"));
      const json = JSON.parse(
        (await expectExit(["entitlement", id, row[0], "--verify", "--json"], EXIT.OK)).stdout,
      );
      assert.equal(json.amount, row[5]);
      assert.equal(json.leafIndex, Number(row[6]));
      assert.deepEqual(
        { ok: json.verification.ok, root: json.verification.computedRoot },
        { ok: true, root: state.roundB.merkleRoot },
      );
    }
    const plain = JSON.parse(
      (await expectExit(["entitlement", id, state.csvRows[0][0], "--json"], EXIT.OK)).stdout,
    );
    assert.equal(plain.address, state.csvRows[0][0]);
    await expectExit(["entitlement", id, "TNotAnAddress"], EXIT.USAGE);
    const excluded = await expectExit(
      ["entitlement", id, "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"],
      EXIT.API_ERROR,
    );
    assert.match(excluded.stderr, /404 NOT_FOUND/);
  });

  await t.test("entitlement --verify fails with exit 3 on a tampered proof or amount", async () => {
    assert.ok(state.csvRows, "the export ran");
    const row = state.csvRows[Math.floor(state.csvRows.length / 2)];
    for (const tamper of ["proof", "amount"]) {
      const proxy = await startTamperingProxy(stack.gatewayUrl, tamper);
      try {
        const args = ["entitlement", state.roundB.id, row[0], "--verify", "--gateway", proxy.url];
        const failed = await expectExit(args, EXIT.CHECK_FAILED);
        assert.ok(proxy.tampered() > 0, "the proxy altered the entitlement");
        assert.match(
          failed.stderr,
          /^btt: VERIFICATION FAILED: the recomputed root differs from the published root/,
        );
        const json = await expectExit([...args, "--json"], EXIT.CHECK_FAILED);
        assert.equal(JSON.parse(json.stdout).verification.ok, false);
        assert.equal(JSON.parse(json.stderr).error.code, "VERIFICATION_FAILED");
      } finally {
        await proxy.close();
      }
    }
  });

  await t.test("ledger check: the invariants hold", async () => {
    const check = JSON.parse((await expectExit(["ledger", "check", "--json"], EXIT.OK)).stdout);
    assert.equal(check.ok, true);
    const human = await expectExit(["ledger", "check"], EXIT.OK);
    assert.match(human.stdout, /^verdict\s+✓ the ledger invariants hold/m);
  });

  await t.test("errors: bad key 401, unknown round 404, unreachable gateway, usage", async () => {
    const badKey = await expectExit(["rounds", "list"], EXIT.API_ERROR, {
      env: { BTT_API_KEY: "not-a-key-0123456789abcdef" },
    });
    assert.match(badKey.stderr, /^btt: 401 UNAUTHENTICATED/);
    const unknown = await expectExit(["rounds", "show", randomUUID()], EXIT.API_ERROR);
    assert.match(unknown.stderr, /^btt: 404 NOT_FOUND/);
    const unknownJson = await expectExit(["rounds", "show", randomUUID(), "--json"], EXIT.API_ERROR);
    assert.equal(JSON.parse(unknownJson.stderr).error.status, 404);
    const closedUrl = await closedPortUrl();
    const unreachable = await expectExit(["ledger", "check", "--gateway", closedUrl], EXIT.UNREACHABLE);
    assert.equal(unreachable.stderr, `btt: cannot reach the gateway at ${closedUrl} (ECONNREFUSED)\n`);
    await expectExit(["export", randomUUID(), "--gateway", closedUrl], EXIT.UNREACHABLE);
    await expectExit(["rounds", "frobnicate"], EXIT.USAGE);
    await expectExit(["rounds", "show", "not-a-uuid"], EXIT.USAGE);
  });
}

/** A URL where nothing listens: a port the OS gave us, then closed. */
async function closedPortUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * A proxy in front of the gateway that alters single-entitlement answers: `proof` flips the last
 * hex digit of the first proof hash, `amount` adds one base unit. Everything else (the round and
 * its published root) passes through untouched, so the real CLI must catch the alteration itself.
 */
async function startTamperingProxy(gatewayUrl, tamper) {
  let tampered = 0;
  const server = createServer(async (req, res) => {
    try {
      const upstream = await fetch(`${gatewayUrl}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? "", accept: req.headers.accept ?? "*/*" },
      });
      let body = Buffer.from(await upstream.arrayBuffer());
      if (upstream.ok && /^\/v1\/rounds\/[^/]+\/entitlements\/[^/?]+$/.test(req.url ?? "")) {
        const entitlement = JSON.parse(body.toString("utf8"));
        if (tamper === "proof") {
          const hash = entitlement.proof[0];
          entitlement.proof[0] = `${hash.slice(0, -1)}${hash.endsWith("0") ? "1" : "0"}`;
        } else {
          entitlement.amount = String(BigInt(entitlement.amount) + 1n);
        }
        body = Buffer.from(JSON.stringify(entitlement));
        tampered += 1;
      }
      res.writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "application/json",
      });
      res.end(body);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    tampered: () => tampered,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
