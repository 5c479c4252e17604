// A Speed load that keeps its own books: fresh payers funded by operator grants, one channel each
// to a fresh payee, vouchers streamed through the public API while faults are injected. A command
// the gateway did not take (connection refused, 5xx, 429) is sent again, byte for byte (same id,
// same signature), as a real client would; what the gateway took (202) is recorded, so afterwards
// the ledger can be held to it: every taken command applied once, none lost.
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TronWeb } from "tronweb";
import { REPO_ROOT, sleep } from "../stack/lib/tools.mjs";

const { signCommand } = await import(
  pathToFileURL(path.join(REPO_ROOT, "packages/shared/dist/tron/index.js")).href
);

const BTT = 1_000_000n;
const GRANT = 1_000n * BTT;
const LOCK = 500n * BTT;
const STEP = BTT / 10n;
const RETRY_MS = 250;

function newParty() {
  const privateKey = randomBytes(32).toString("hex");
  return { address: TronWeb.address.fromPrivateKey(privateKey), privateKey };
}

export function createSpeedLoad({
  gatewayUrl,
  operatorKey,
  network = "devnet",
  payers = 6,
  intervalMs = 150,
}) {
  const domain = `btt-speed/v1/${network}`;
  const stats = { submitted: 0, retries: 0, refusedByGateway: new Map() };
  const channels = [];
  let running = false;
  let loops = [];

  async function request(method, pathname, body, headers = {}) {
    for (;;) {
      try {
        const response = await fetch(`${gatewayUrl}${pathname}`, {
          method,
          headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status === 429 || response.status >= 500) {
          stats.refusedByGateway.set(response.status, (stats.refusedByGateway.get(response.status) ?? 0) + 1);
        } else {
          return { status: response.status, body: text ? JSON.parse(text) : null };
        }
      } catch (error) {
        const key = error.cause?.code ?? error.name;
        stats.refusedByGateway.set(key, (stats.refusedByGateway.get(key) ?? 0) + 1);
      }
      stats.retries += 1;
      await sleep(RETRY_MS);
    }
  }

  function command(type, fields) {
    const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
    return { type, domain, id: randomUUID(), notAfter: String(Date.now() + 30 * 60_000), ...values };
  }

  /** Until the gateway takes it (202, or 200 with a verdict): the same signed bytes every time. */
  async function submit(cmd, signer) {
    const envelope = { command: cmd, signature: signCommand(cmd, signer.privateKey) };
    const { status, body } = await request("POST", "/v1/speed/commands", envelope);
    if (status !== 202 && status !== 200)
      throw new Error(`the gateway refused ${cmd.type} ${cmd.id}: ${status} ${JSON.stringify(body)}`);
    stats.submitted += 1;
    return cmd.id;
  }

  async function verdict(commandId, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await request("GET", `/v1/speed/commands/${commandId}`);
      if (status === 200 && body.status !== "queued") return body;
      if (Date.now() > deadline) throw new Error(`no verdict for ${commandId} in ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }

  return {
    stats,
    channels,
    /** Grants, channels, each open accepted: then the load is ready to stream. */
    async prepare() {
      for (let i = 0; i < payers; i += 1) {
        const payer = newParty();
        const payee = newParty();
        const grant = await request(
          "POST",
          "/v1/speed/grants",
          { address: payer.address, amount: GRANT.toString(), memo: "fault suite load" },
          { Authorization: `Bearer ${operatorKey}`, "Idempotency-Key": `fault-grant-${payer.address}` },
        );
        if (grant.status !== 201) throw new Error(`grant: ${grant.status} ${JSON.stringify(grant.body)}`);
        const open = command("channel.open", {
          payer: payer.address,
          payee: payee.address,
          amount: LOCK,
          expiresAt: Date.now() + 3_600_000,
        });
        await submit(open, payer);
        const opened = await verdict(open.id);
        if (opened.status !== "accepted") throw new Error(`channel.open: ${JSON.stringify(opened)}`);
        channels.push({ id: open.id, payer, payee, cumulative: 0n, vouchers: [] });
      }
    },
    start() {
      running = true;
      loops = channels.map(async (channel) => {
        while (running && channel.cumulative + STEP <= LOCK) {
          const cumulative = channel.cumulative + STEP;
          const id = await submit(
            command("voucher", {
              channelId: channel.id,
              payer: channel.payer.address,
              payee: channel.payee.address,
              cumulativeAmount: cumulative,
              cumulativeBytes: cumulative * 16n,
              infohash: "ab".repeat(20),
            }),
            channel.payer,
          );
          channel.cumulative = cumulative;
          channel.vouchers.push({ id, cumulative });
          await sleep(intervalMs);
        }
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
    verdict,
    request,
    vouchersTaken: () => channels.reduce((n, c) => n + c.vouchers.length, 0),
  };
}
