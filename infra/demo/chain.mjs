// The chain side of the demo: TronWeb against the devnet's java-tron HTTP API, plus the devnet's
// own /devnet/accounts (the development accounts and their keys). Transfers carry a memo, so two
// equal transfers built on the same reference block still get distinct txids (PLATFORM.md).
import { randomBytes } from "node:crypto";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { TronWeb } from "tronweb";
import { REPO_ROOT } from "../stack/lib/tools.mjs";

const { BTT_TOKEN_ID } = await import(
  pathToFileURL(path.join(REPO_ROOT, "packages/shared/dist/tron/index.js")).href
);

const POLL_MS = 250;
const INCLUSION_TIMEOUT_MS = 60_000;

/** TronWeb takes amounts as JS numbers: refuse anything a double cannot hold exactly. */
function tronWebAmount(amount) {
  if (typeof amount !== "bigint" || amount <= 0n || amount > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`amount ${amount} must be a positive bigint ≤ 2^53 − 1 base units`);
  return Number(amount);
}

export function createDemoChain({ fullHost, signal }) {
  const tronWeb = new TronWeb({ fullHost });

  async function call(route, body) {
    const response = await fetch(`${fullHost}${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    if (!response.ok) throw new Error(`${fullHost}${route} answered ${response.status}`);
    return response.json();
  }

  async function blockNumber(route) {
    const block = await call(route, {});
    return block.block_header?.raw_data?.number ?? 0;
  }

  /** Builds, signs and broadcasts one transfer; returns its txid once the node accepted it. */
  async function transfer({ from, to, amount, token, memo }) {
    const builder = tronWeb.transactionBuilder;
    const unsigned =
      token === "TRX"
        ? await builder.sendTrx(to, tronWebAmount(amount), from.address)
        : await builder.sendToken(to, tronWebAmount(amount), BTT_TOKEN_ID, from.address);
    const withMemo = await builder.addUpdateData(unsigned, memo, "utf8", { txLocal: true });
    const signed = await tronWeb.trx.sign(withMemo, from.privateKey);
    const reply = await tronWeb.trx.sendRawTransaction(signed);
    if (reply.result !== true) {
      const message = reply.message ? Buffer.from(reply.message, "hex").toString("utf8") : "";
      throw new Error(`${token} transfer ${from.address} → ${to} refused: ${reply.code ?? "?"} ${message}`);
    }
    return signed.txID;
  }

  /** Waits until every txid is in a block (the solidified chain when `solidified`); returns their heights. */
  async function waitForTransactions(txIds, { solidified = false, timeoutMs = INCLUSION_TIMEOUT_MS } = {}) {
    const route = solidified ? "/walletsolidity/gettransactioninfobyid" : "/wallet/gettransactioninfobyid";
    const deadline = Date.now() + timeoutMs;
    const heights = new Map();
    while (heights.size < txIds.length) {
      for (const txId of txIds) {
        if (heights.has(txId)) continue;
        const info = await call(route, { value: txId });
        if (info.blockNumber !== undefined) heights.set(txId, info.blockNumber);
      }
      if (heights.size === txIds.length) break;
      if (Date.now() > deadline)
        throw new Error(
          `${txIds.length - heights.size} of ${txIds.length} transactions not in a ${solidified ? "solidified " : ""}block after ${timeoutMs / 1000} s`,
        );
      await sleep(POLL_MS, undefined, { signal });
    }
    return txIds.map((txId) => heights.get(txId));
  }

  return {
    fullHost,
    /** The ten development accounts: `[{address, privateKey, trx, btt}]` (account 0 holds the BTT). */
    developmentAccounts: () => call("/devnet/accounts"),
    head: () => blockNumber("/wallet/getnowblock"),
    solidHead: () => blockNumber("/walletsolidity/getnowblock"),
    sendTrx: (from, to, sun, memo) => transfer({ from, to, amount: sun, token: "TRX", memo }),
    sendBtt: (from, to, baseUnits, memo) => transfer({ from, to, amount: baseUnits, token: "BTT", memo }),
    waitForTransactions,
    /** A fresh key pair: what a new Speed client generates. */
    newParty() {
      const privateKey = randomBytes(32).toString("hex");
      return { address: TronWeb.address.fromPrivateKey(privateKey), privateKey };
    },
  };
}
