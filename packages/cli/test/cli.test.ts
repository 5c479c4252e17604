import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entitlement, Round } from "../src/api.js";
import { EXIT } from "../src/errors.js";
import { run } from "../src/main.js";
import { apiError, captureIo, type FakeGateway, json, startFakeGateway } from "./fake-gateway.js";

// API.md's golden vector as a round the fake gateway serves
const ROUND_ID = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
const ROOT = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";
const HOLDER = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const PROOF = ["12e5ff94fdaf87ef93fbaaaabca57e7df587ce91ce7ae5fd9f4a487977748a60"];
const TAMPERED_HOLDER = "TCLBgkbfVkJroVBJVqBEsxtPNQEQMTQCLQ";
const WATCHED_ID = "11111111-2222-4333-8444-555555555555";
const CANCELLED_ID = "11111111-2222-4333-8444-666666666666";
const KEY = "op_test_key_000000000000000";

const progress = (confirmed: number, pending: number) => ({
  recipients: 3,
  confirmed,
  pending,
  failed: 0,
  paid: "0",
});

function round(overrides: Partial<Round> = {}): Round {
  return {
    id: ROUND_ID,
    kind: "event",
    label: "Golden",
    scheduleEntryId: null,
    snapshotHeight: 100,
    pool: "525201",
    eligibleTotal: "5251000007",
    minHoldingSun: "0",
    exclusions: [
      { address: "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", reason: "the TRON black-hole address", holding: "0" },
    ],
    ratio: { numerator: "1", denominator: "10000", decimal: "0.0001" },
    recipients: 3,
    undistributed: "0",
    merkleRoot: ROOT,
    status: "computed",
    statusReason: null,
    approvals: [],
    approvalsRequired: 1,
    feeEstimate: { bandwidthBytes: "900", trxBurnSun: "900000" },
    progress: progress(0, 0),
    createdAt: "2026-11-24T07:41:11.685Z",
    updatedAt: "2026-11-24T07:41:11.685Z",
    ...overrides,
  };
}

function entitlement(overrides: Partial<Entitlement> = {}): Entitlement {
  return {
    roundId: ROUND_ID,
    address: HOLDER,
    holding: { liquid: "7", frozen: "0", unfreezing: "0", total: "7" },
    amount: "1",
    leafIndex: 2,
    proof: PROOF,
    merkleRoot: ROOT,
    payout: { status: "none", txId: null, blockNumber: null },
    ...overrides,
  };
}

let gateway: FakeGateway;
const watchAnswers: Record<string, Round[]> = {
  [WATCHED_ID]: [
    round({ id: WATCHED_ID, status: "distributing", progress: progress(0, 3) }),
    round({ id: WATCHED_ID, status: "distributing", progress: progress(2, 1) }),
    round({ id: WATCHED_ID, status: "completed", progress: progress(3, 0) }),
  ],
  [CANCELLED_ID]: [
    round({ id: CANCELLED_ID, status: "cancelling", statusReason: "wrong height" }),
    round({ id: CANCELLED_ID, status: "cancelled", statusReason: "wrong height" }),
  ],
};

beforeAll(async () => {
  const authorized = (headers: Record<string, unknown>) => headers.authorization === `Bearer ${KEY}`;
  gateway = await startFakeGateway({
    "GET /v1/schedule": (_req, res) =>
      json(res, 200, {
        version: 3,
        entries: [
          {
            id: "e1",
            kind: "initial",
            label: "Initial airdrop",
            payoutDate: "2019-02-11",
            snapshot: { height: 6600000, at: null },
            pool: "10890000000000000",
            status: "cancelled",
            overdue: false,
            roundId: null,
            reason: "moved",
          },
        ],
      }),
    "GET /v1/rounds": (req, res) =>
      authorized(req.headers)
        ? json(res, 200, { items: [round()], nextCursor: null })
        : apiError(res, 401, "UNAUTHENTICATED", "unknown or revoked API key"),
    [`GET /v1/rounds/${ROUND_ID}`]: (_req, res) => json(res, 200, round()),
    [`POST /v1/rounds/${ROUND_ID}/approve`]: (req, res) =>
      JSON.parse(req.body).merkleRoot === ROOT
        ? json(
            res,
            200,
            round({ status: "distributing", approvals: [{ keyId: "k1", at: "2026-11-24T08:00:00Z" }] }),
          )
        : apiError(res, 409, "STALE_ROOT", "not the current root"),
    [`POST /v1/rounds/${ROUND_ID}/pause`]: (_req, res) =>
      apiError(
        res,
        409,
        "CONFLICT",
        `round ${ROUND_ID} is computed; only a distributing round can be paused`,
      ),
    [`POST /v1/rounds/${ROUND_ID}/cancel`]: (_req, res) => json(res, 200, round({ status: "cancelled" })),
    [`GET /v1/rounds/${ROUND_ID}/entitlements/${HOLDER}`]: (_req, res) => json(res, 200, entitlement()),
    // the proof of another leaf, served as if it were this one's: verification must fail
    [`GET /v1/rounds/${ROUND_ID}/entitlements/${TAMPERED_HOLDER}`]: (_req, res) =>
      json(res, 200, entitlement({ address: TAMPERED_HOLDER })),
    [`GET /v1/rounds/${ROUND_ID}/entitlements`]: (req, res) => {
      expect(req.headers.accept).toBe("text/csv");
      res.writeHead(200, { "content-type": "text/csv" });
      res.write("address,liquid,frozen,unfreezing,total,amount,leafIndex,txId\n");
      setTimeout(() => res.end(`${HOLDER},7,0,0,7,1,2,\n`), 20);
    },
    [`GET /v1/rounds/${WATCHED_ID}`]: (_req, res) => {
      const answers = watchAnswers[WATCHED_ID] as Round[];
      json(res, 200, answers.length > 1 ? answers.shift() : answers[0]);
    },
    [`GET /v1/rounds/${CANCELLED_ID}`]: (_req, res) => {
      const answers = watchAnswers[CANCELLED_ID] as Round[];
      json(res, 200, answers.length > 1 ? answers.shift() : answers[0]);
    },
    "GET /v1/speed/ledger/check": (_req, res) =>
      json(res, 200, {
        ok: false,
        totals: { owed: "10", custodyMirror: "-10" },
        custodyOnChain: "9",
        drift: "-1",
        invariants: { ok: false },
      }),
  });
});

afterAll(() => gateway.close());

async function btt(argv: string[], { isTTY = false } = {}) {
  const io = captureIo({ BTT_GATEWAY_URL: gateway.url, BTT_API_KEY: KEY }, isTTY);
  const code = await run(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe("btt against a gateway", () => {
  it("lists the schedule as a table with BTT amounts, and as JSON", async () => {
    const table = await btt(["schedule", "list"]);
    expect(table.code).toBe(EXIT.OK);
    expect(table.stdout).toContain("10,890,000,000.000000");
    expect(table.stdout).toContain("cancelled: moved");
    const parsed = await btt(["schedule", "list", "--json"]);
    expect(JSON.parse(parsed.stdout).entries[0].pool).toBe("10890000000000000");
  });

  it("lists and shows rounds", async () => {
    const list = await btt(["rounds", "list"]);
    expect(list.code).toBe(EXIT.OK);
    expect(list.stdout).toMatch(
      new RegExp(`${ROUND_ID}\\s+event\\s+Golden\\s+#100\\s+0\\.525201\\s+3\\s+computed`),
    );
    const show = await btt(["rounds", "show", ROUND_ID]);
    expect(show.stdout).toContain(`merkle root      ${ROOT}`);
    expect(show.stdout).toContain("approvals        0 of 1");
    expect(JSON.parse((await btt(["rounds", "show", ROUND_ID, "--json"])).stdout).id).toBe(ROUND_ID);
  });

  it("approves the round's current root with an Idempotency-Key", async () => {
    const approved = await btt(["rounds", "approve", ROUND_ID]);
    expect(approved.code).toBe(EXIT.OK);
    expect(approved.stdout).toContain("approved (1 of 1); now distributing");
    const post = gateway.requests.findLast((r) => r.method === "POST");
    expect(JSON.parse(post?.body ?? "")).toEqual({ merkleRoot: ROOT });
    expect(post?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(post?.headers.authorization).toBe(`Bearer ${KEY}`);
    const stale = await btt(["rounds", "approve", ROUND_ID, "--root", "ab".repeat(32)]);
    expect(stale).toMatchObject({
      code: EXIT.API_ERROR,
      stderr: "btt: 409 STALE_ROOT: not the current root\n",
    });
    expect((await btt(["rounds", "approve", ROUND_ID, "--root", "abc"])).code).toBe(EXIT.USAGE);
  });

  it("requires a reason to pause, resume or cancel, and reports the gateway's refusal", async () => {
    expect((await btt(["rounds", "cancel", ROUND_ID])).code).toBe(EXIT.USAGE);
    const paused = await btt(["rounds", "pause", ROUND_ID, "--reason", "check"]);
    expect(paused.code).toBe(EXIT.API_ERROR);
    expect(paused.stderr).toContain("409 CONFLICT: round");
    const cancelled = await btt(["rounds", "cancel", ROUND_ID, "--reason", "wrong height", "--json"]);
    expect(JSON.parse(cancelled.stdout).status).toBe("cancelled");
    expect(JSON.parse(gateway.requests.findLast((r) => r.method === "POST")?.body ?? "")).toEqual({
      reason: "wrong height",
    });
  });

  it("verifies an entitlement's proof against the round's published root", async () => {
    const verified = await btt(["entitlement", ROUND_ID, HOLDER, "--verify"]);
    expect(verified.code).toBe(EXIT.OK);
    expect(verified.stdout).toContain(`✓ verified`);
    const asJson = JSON.parse((await btt(["entitlement", ROUND_ID, HOLDER, "--verify", "--json"])).stdout);
    expect(asJson.verification).toMatchObject({ ok: true, computedRoot: ROOT, publishedRoot: ROOT });
  });

  it("fails verification with exit 3 when the proof does not lead to the root", async () => {
    const failed = await btt(["entitlement", ROUND_ID, TAMPERED_HOLDER, "--verify"]);
    expect(failed.code).toBe(EXIT.CHECK_FAILED);
    expect(failed.stderr).toMatch(/^btt: VERIFICATION FAILED: the recomputed root differs/);
    const asJson = await btt(["entitlement", ROUND_ID, TAMPERED_HOLDER, "--verify", "--json"]);
    expect(asJson.code).toBe(EXIT.CHECK_FAILED);
    expect(JSON.parse(asJson.stdout).verification.ok).toBe(false);
    expect(JSON.parse(asJson.stderr)).toMatchObject({ exitCode: 3, error: { code: "VERIFICATION_FAILED" } });
    // without --verify the same answer is printed and nothing is checked
    expect((await btt(["entitlement", ROUND_ID, TAMPERED_HOLDER])).code).toBe(EXIT.OK);
  });

  it("refuses a malformed address or round id before calling the gateway", async () => {
    const before = gateway.requests.length;
    expect((await btt(["entitlement", ROUND_ID, "TJRabPrwbZy45sbavfcjinPJC18kjpRTv9"])).code).toBe(
      EXIT.USAGE,
    );
    expect((await btt(["rounds", "show", "42"])).code).toBe(EXIT.USAGE);
    expect(gateway.requests.length).toBe(before);
  });

  it("streams the CSV export to stdout", async () => {
    const exported = await btt(["export", ROUND_ID]);
    expect(exported.code).toBe(EXIT.OK);
    expect(exported.stdout).toBe(
      `address,liquid,frozen,unfreezing,total,amount,leafIndex,txId\n${HOLDER},7,0,0,7,1,2,\n`,
    );
  });

  it("watches a round to completion, one line per change off a terminal", async () => {
    const watched = await btt(["rounds", "watch", WATCHED_ID, "--interval", "10"]);
    expect(watched.code).toBe(EXIT.OK);
    const lines = watched.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("confirmed 0/3  pending 3  failed 0  distributing");
    expect(lines[2]).toContain("100.0%  confirmed 3/3");
    expect(lines[3]).toBe(`round ${WATCHED_ID} completed: 3 confirmed, 0 failed of 3, paid 0.000000 BTT`);
  });

  it("exits 5 when the watched round ends cancelled, and prints JSON lines with --json", async () => {
    const watched = await btt(["rounds", "watch", CANCELLED_ID, "--interval", "10", "--json"]);
    expect(watched.code).toBe(EXIT.ROUND_NOT_COMPLETED);
    const states = watched.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).status);
    expect(states).toEqual(["cancelling", "cancelled"]);
    expect(JSON.parse(watched.stderr).error.message).toContain("ended cancelled (wrong height)");
  });

  it("fails the ledger check with exit 3 when the invariants do not hold", async () => {
    const check = await btt(["ledger", "check"]);
    expect(check.code).toBe(EXIT.CHECK_FAILED);
    expect(check.stdout).toContain("drift                 -0.000001 BTT");
    expect(check.stderr).toContain("the invariants do not hold");
  });

  it("reports the API's errors with exit 1: unknown round, bad key", async () => {
    const missing = await btt(["rounds", "show", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(EXIT.API_ERROR);
    expect(missing.stderr).toContain("404 NOT_FOUND");
    const io = captureIo({ BTT_GATEWAY_URL: gateway.url, BTT_API_KEY: "wrong" });
    expect(await run(["rounds", "list"], io)).toBe(EXIT.API_ERROR);
    expect(io.err()).toBe("btt: 401 UNAUTHENTICATED: unknown or revoked API key\n");
  });

  it("exits 2 without an API key for routes that need one, but not for the public schedule", async () => {
    const io = captureIo({ BTT_GATEWAY_URL: gateway.url, BTT_STATE_DIR: "/nonexistent" });
    expect(await run(["rounds", "list"], io)).toBe(EXIT.USAGE);
    expect(io.err()).toContain("no API key");
    expect(await run(["schedule", "list"], captureIo({ BTT_GATEWAY_URL: gateway.url }))).toBe(EXIT.OK);
  });
});

describe("btt without a gateway", () => {
  it("exits 4 with 'cannot reach the gateway' when the connection is refused", async () => {
    const closed = await startFakeGateway({});
    await closed.close();
    const io = captureIo({ BTT_GATEWAY_URL: closed.url, BTT_API_KEY: KEY });
    expect(await run(["rounds", "list"], io)).toBe(EXIT.UNREACHABLE);
    expect(io.err()).toBe(`btt: cannot reach the gateway at ${closed.url} (ECONNREFUSED)\n`);
  });
});

describe("the built binary", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  it.each([
    ["dist/main.js", ["--help"], EXIT.OK],
    ["bin/btt.mjs", ["--help"], EXIT.OK],
    ["dist/main.js", ["rounds", "show", "nope"], EXIT.USAGE],
    [
      "bin/btt.mjs",
      ["rounds", "list", "--gateway", "http://127.0.0.1:9", "--api-key", "k"],
      EXIT.UNREACHABLE,
    ],
  ])("node %s %j exits %i", (file, argv, expected) => {
    const child = spawnSync(process.execPath, [path.join(root, file), ...argv], { encoding: "utf8" });
    expect(child.status).toBe(expected);
    if (expected === EXIT.OK) expect(child.stdout).toContain("usage: btt <command>");
    else expect(child.stderr).toMatch(/^btt: /);
  });
});
