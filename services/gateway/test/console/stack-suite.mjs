// The operator console in real headless Chromium against a running stack (npm start's stack.json):
// sign in, the schedule, an event round computed, approved through the UI and paid to 100 %, an
// address lookup, Speed health, and the exchange key's read-only view. A screenshot of each page
// lands in ctx.artifactsDir.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
];
/** Small, so the event budget lasts many runs; the devnet pays its recipients in seconds. */
const EVENT_POOL = "1000000000";
const COMPUTE_TIMEOUT_MS = 180_000;
const PAYOUT_TIMEOUT_MS = 180_000;
const UI_TIMEOUT_MS = 15_000;

/**
 * @param {import("node:test").TestContext} t
 * @param {{ stack: { gatewayUrl: string, devnetUrl: string, apiKeys: { operator: string, exchange: string } }, artifactsDir: string }} ctx
 */
export async function consoleSuite(t, ctx) {
  const { gatewayUrl, devnetUrl, apiKeys } = ctx.stack;
  const operator = apiKeys.operator.split(",")[0];
  const exchange = apiKeys.exchange.split(",")[0];
  const api = apiClient(gatewayUrl, operator);
  await mkdir(ctx.artifactsDir, { recursive: true });

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  // Anything the page logs as an error (a CSP violation, an uncaught exception) fails the suite.
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/status of 40[134]/.test(msg.text()))
      pageErrors.push(`console: ${msg.text()}`);
  });
  const shot = (name, fullPage = true) =>
    page.screenshot({
      path: path.join(ctx.artifactsDir, `${name}.png`),
      fullPage,
      animations: "disabled",
    });
  const consoleUrl = `${gatewayUrl}/console/`;
  let round;
  let recipient;

  try {
    await t.test("refuses an invalid API key with a message", async () => {
      await page.goto(consoleUrl);
      await page.fill("#api-key", "not-a-real-key-0123456789abcdef");
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector("#login-error:not(:empty)");
      assert.match(await page.textContent("#login-error"), /not valid/);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      await shot("01-login");
    });

    await t.test("signs in with the operator key and shows the schedule timeline", async () => {
      await page.fill("#api-key", operator);
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector("body.signed-in[data-role=operator]");
      assert.equal(await page.textContent("#whoami"), "operator key");
      await page.waitForSelector("section[data-phase=past] li.entry", { state: "attached" });
      const schedule = await api.get("/v1/schedule");
      assert.equal(await page.locator("li.entry").count(), schedule.entries.length);
      const initial = schedule.entries.find((e) => e.kind === "initial");
      const item = page.locator(`li.entry[data-entry-id="${initial.id}"]`);
      assert.match(await item.textContent(), new RegExp(initial.status));
      assert.equal(await page.locator("svg.strip circle").count(), schedule.entries.length);
      await shot("02-schedule");
    });

    await t.test("an event round created through the API is computed", async () => {
      const head = await (await fetch(`${devnetUrl}/walletsolidity/getnowblock`)).json();
      const snapshotHeight = head.block_header.raw_data.number;
      round = await api.post(
        "/v1/rounds",
        {
          kind: "event",
          label: `Console test ${new Date().toISOString().slice(0, 19)}Z`,
          pool: EVENT_POOL,
          snapshotHeight,
        },
        { "Idempotency-Key": randomUUID() },
      );
      assert.equal(round.kind, "event");
      round = await waitFor(
        () => api.get(`/v1/rounds/${round.id}`),
        (r) => r.status !== "computing",
        COMPUTE_TIMEOUT_MS,
      );
      assert.equal(round.status, "computed", `round ${round.id}: ${round.statusReason ?? ""}`);
      assert.ok(round.recipients > 0);
    });

    await t.test("the round page shows the table, its root and the histograms", async () => {
      await page.goto(`${consoleUrl}#/rounds/${round.id}`);
      await page.waitForSelector("h1 .badge[data-status=computed]");
      const body = await page.textContent("main");
      assert.ok(body.includes(round.merkleRoot), "the Merkle root is shown");
      assert.ok(body.includes(round.snapshotContentHash), "the snapshot manifest hash is shown");
      assert.ok(body.includes(round.ratio.decimal), "the ratio is shown");
      assert.match(
        await page.textContent("#approval-count"),
        new RegExp(`0 of ${round.approvalsRequired} required`),
      );
      await page.waitForSelector("svg.histogram rect");
      assert.equal(await page.locator("svg.histogram").count(), 2);
      // Every recipient is in exactly one bin of the entitlement histogram.
      const counts = await page
        .locator("svg.histogram")
        .nth(1)
        .locator("rect")
        .evaluateAll((rects) => rects.map((r) => Number(r.dataset.n)));
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        round.recipients,
      );
      for (const id of ["#action-approve", "#action-cancel"]) assert.equal(await page.locator(id).count(), 1);
      await shot("03-round-computed");
    });

    await t.test("approving through the confirmation dialog starts the payouts", async () => {
      await page.click("#action-approve");
      const dialog = page.locator("dialog#confirm-dialog[open]");
      await dialog.waitFor();
      assert.ok((await dialog.textContent()).includes(round.merkleRoot), "the dialog names the root");
      await shot("04-approve-dialog", false);
      await page.click("#confirm-cancel");
      await dialog.waitFor({ state: "detached" }).catch(() => {});
      assert.equal(
        (await api.get(`/v1/rounds/${round.id}`)).approvals.length,
        0,
        "cancelling the dialog approves nothing",
      );
      await page.click("#action-approve");
      await dialog.waitFor();
      await page.click("#confirm-ok");
      await page.waitForSelector(
        "h1 .badge:is([data-status=approved],[data-status=distributing],[data-status=completed])",
      );
      const approved = await api.get(`/v1/rounds/${round.id}`);
      assert.equal(approved.approvals.length, 1);
    });

    await t.test("the progress bar reaches 100 %", async () => {
      const seen = new Set();
      const deadline = Date.now() + PAYOUT_TIMEOUT_MS;
      while (Date.now() < deadline) {
        seen.add(await page.textContent("#progress-percent"));
        if (seen.has("100 %")) break;
        await page.waitForTimeout(250);
      }
      assert.ok(seen.has("100 %"), `progress seen: ${[...seen].join(", ")}`);
      await page.waitForSelector("h1 .badge[data-status=completed]", { timeout: PAYOUT_TIMEOUT_MS });
      assert.equal(await page.getAttribute(".progress", "aria-valuenow"), "100");
      const done = await api.get(`/v1/rounds/${round.id}`);
      assert.equal(done.progress.confirmed, done.recipients);
      assert.equal(done.progress.failed, 0);
      await page.waitForSelector("#round-actions", { state: "detached" });
      await shot("05-round-completed");
    });

    await t.test("looking up a recipient shows its entitlement with proof and txid", async () => {
      const page1 = await api.get(`/v1/rounds/${round.id}/entitlements?limit=1`);
      recipient = page1.items[0];
      const entitlement = await api.get(`/v1/rounds/${round.id}/entitlements/${recipient.address}`);
      assert.equal(entitlement.payout.status, "confirmed");
      await page.click("nav a[href='#/address']");
      await page.fill("#address-input", recipient.address);
      await page.click("#address-form button[type=submit]");
      const article = page.locator(`article.entitlement[data-round-id="${round.id}"]`);
      await article.waitFor();
      const text = await article.textContent();
      assert.ok(text.includes(entitlement.payout.txId), "the txid is shown");
      assert.ok(text.includes(`${entitlement.proof.length} hashes`), "the proof is there");
      assert.match(text, /confirmed/);
      await page.waitForSelector("#holdings table");
      assert.ok((await page.textContent("#holdings")).includes(round.snapshotHeight.toLocaleString("en-US")));
      await page.waitForSelector("#speed-account table");
      await article.locator("details.proof summary").click();
      await shot("06-address");
    });

    await t.test("the Speed ledger health page shows rates, the invariant check and epochs", async () => {
      await page.click("nav a[href='#/speed']");
      await page.waitForSelector("#check-status");
      const check = await api.get("/v1/speed/ledger/check");
      assert.equal(await page.textContent("#check-status"), check.ok ? "OK" : "FAILING");
      await page.waitForSelector("#rate-accepted");
      assert.match(await page.textContent("#rate-accepted"), /\/s/);
      await page.waitForSelector("#epochs table");
      await shot("07-speed");
    });

    await t.test("cancelling a round asks for a reason and records it", async () => {
      const head = await (await fetch(`${devnetUrl}/walletsolidity/getnowblock`)).json();
      const created = await api.post(
        "/v1/rounds",
        {
          kind: "event",
          label: `Console cancel test ${new Date().toISOString().slice(0, 19)}Z`,
          pool: EVENT_POOL,
          snapshotHeight: head.block_header.raw_data.number,
        },
        { "Idempotency-Key": randomUUID() },
      );
      const computed = await waitFor(
        () => api.get(`/v1/rounds/${created.id}`),
        (r) => r.status !== "computing",
        COMPUTE_TIMEOUT_MS,
      );
      assert.equal(computed.status, "computed");
      await page.goto(`${consoleUrl}#/rounds/${created.id}`);
      await page.click("#action-cancel");
      await page.locator("dialog#confirm-dialog[open]").waitFor();
      await page.click("#confirm-ok");
      assert.match(await page.textContent("dialog#confirm-dialog .error"), /reason is required/);
      const reason = `console test: wrong snapshot height ${randomUUID().slice(0, 8)}`;
      await page.fill("#confirm-reason", reason);
      await shot("08-cancel-dialog", false);
      await page.click("#confirm-ok");
      await page.waitForSelector("h1 .badge:is([data-status=cancelling],[data-status=cancelled])");
      const cancelled = await waitFor(
        () => api.get(`/v1/rounds/${created.id}`),
        (r) => r.status === "cancelled",
        COMPUTE_TIMEOUT_MS,
      );
      assert.equal(cancelled.approvals.length, 0);
      await page.waitForSelector("h1 .badge[data-status=cancelled]");
      await page.waitForFunction((text) => document.querySelector("main").textContent.includes(text), reason);
      assert.equal(await page.locator("[id^=action-]").count(), 0, "nothing left to do on a cancelled round");
      await shot("09-round-cancelled");
    });

    await t.test("an exchange key sees the read-only parts only", async () => {
      await page.click("#logout");
      await page.waitForSelector("#login-form");
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, "logout forgets the key");
      await page.fill("#api-key", exchange);
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector("body.signed-in[data-role=exchange]");
      await page.goto(`${consoleUrl}#/rounds/${round.id}`);
      await page.waitForSelector("#progress .progress");
      await page.waitForSelector("svg.histogram rect");
      assert.equal(await page.locator("#round-actions, [id^=action-]").count(), 0, "no operator button");
      assert.equal(await page.locator("text=Audit log").count(), 0, "no audit log");
      await shot("10-round-exchange");
      await page.click("nav a[href='#/speed']");
      await page.waitForSelector("#epochs table");
      assert.equal(await page.locator("#ledger-check, #throughput").count(), 0, "no operator figures");
      await shot("11-speed-exchange");
    });

    await t.test("the pages logged no error (CSP included)", () => {
      assert.deepEqual(pageErrors, []);
    });
  } finally {
    await browser.close();
  }
}

function apiClient(gatewayUrl, key) {
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    get: (path) => call("GET", path),
    post: (path, body, headers) => call("POST", path, body, headers),
  };
}

async function waitFor(read, done, timeoutMs, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
