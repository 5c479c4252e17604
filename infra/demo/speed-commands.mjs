// Signed Speed commands as a client builds them (API.md "Speed", "Signature (fixed)"): every value
// a string, signed over its RFC 8785 form with TronWeb's signMessageV2 (packages/shared's
// signCommand), sent to POST /v1/speed/commands?wait=… for the ledger's verdict.
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../stack/lib/tools.mjs";

const { signCommand } = await import(
  pathToFileURL(path.join(REPO_ROOT, "packages/shared/dist/tron/index.js")).href
);

/** How long a command stays valid (`notAfter`); the API allows up to 24 h. */
const COMMAND_TTL_MS = 10 * 60_000;
/** How long the gateway may hold a request for the ledger's verdict (API.md: ≤ 5000). */
const VERDICT_WAIT_MS = 5_000;

export function randomInfohash() {
  return randomBytes(20).toString("hex");
}

export function createSpeedCommands({ gateway, network }) {
  const domain = `btt-speed/v1/${network}`;

  function command(type, fields) {
    const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
    return { type, domain, id: randomUUID(), notAfter: String(Date.now() + COMMAND_TTL_MS), ...values };
  }

  /** Signs with `signer.privateKey` and submits; resolves to `{commandId, status, reason?}`. */
  async function submit(cmd, signer) {
    const signature = signCommand(cmd, signer.privateKey);
    const { body } = await gateway.post(`/v1/speed/commands?wait=${VERDICT_WAIT_MS}`, {
      command: cmd,
      signature,
    });
    return body;
  }

  return {
    domain,
    /** Resolves to `{ channelId, verdict }`: a channel's id is the id of its channel.open. */
    async openChannel(payer, payee, lock, expiresAtMs) {
      const cmd = command("channel.open", {
        payer: payer.address,
        payee: payee.address,
        amount: lock,
        expiresAt: expiresAtMs,
      });
      return { channelId: cmd.id, verdict: await submit(cmd, payer) };
    },
    /** Signed by the payer (the downloader), handed to and submitted by the payee (the seeder). */
    voucher: (channel, cumulativeAmount, cumulativeBytes) =>
      submit(
        command("voucher", {
          channelId: channel.id,
          payer: channel.payer.address,
          payee: channel.payee.address,
          cumulativeAmount,
          cumulativeBytes,
          infohash: channel.infohash,
        }),
        channel.payer,
      ),
    /** The payee closes: the unspent lock goes back to the payer. */
    closeChannel: (channel) =>
      submit(
        command("channel.close", {
          channelId: channel.id,
          payer: channel.payer.address,
          by: channel.payee.address,
        }),
        channel.payee,
      ),
    withdraw: (account, amount) =>
      submit(
        command("withdrawal.request", { account: account.address, amount, to: account.address }),
        account,
      ),
  };
}
