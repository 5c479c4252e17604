// Simulated BitTorrent Speed clients: fresh keys, funded on chain by the faucet (a development
// account), each downloader deposits BTT to custody like a real client and waits until the ledger
// credits it; then an operator grants each a welcome bonus from the promotions pool. Seeders need
// nothing on chain: they are paid through the ledger and withdraw to their own address.
import { formatBtt, formatCount, formatTrx, tokens } from "./format.mjs";
import { mapLimited, step, waitUntil } from "./steps.mjs";

/** What the faucet gives each downloader on chain: TRX for bandwidth, BTT to deposit. */
export const DOWNLOADER_TRX_SUN = tokens(20);
export const DOWNLOADER_BTT = tokens(2_000);
/** What each downloader deposits to custody (the rest stays on chain). */
export const DEPOSIT = tokens(1_000);
/** What an operator grants each downloader from the promotions pool. */
export const WELCOME_GRANT = tokens(100);
/** Transactions or requests in flight at once while preparing the clients. */
const PARALLEL = 8;
const CREDIT_TIMEOUT_MS = 120_000;
const LOGS = ["tron-devnet", "indexer", "speed-ledger", "gateway"];

function count(env, name, fallback, min) {
  const value = env[name] === undefined || env[name] === "" ? fallback : Number(env[name]);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return value;
}

/**
 * DEMO_SPEED_DOWNLOADERS (24), DEMO_SPEED_SEEDERS (8), DEMO_VOUCHERS_PER_SECOND (24, the whole
 * swarm's pace; at most 4 while the initial airdrop pays, which has the two cores' priority).
 */
export function speedSettings(env) {
  const vouchersPerSecond = count(env, "DEMO_VOUCHERS_PER_SECOND", 24, 1);
  return {
    downloaders: count(env, "DEMO_SPEED_DOWNLOADERS", 24, 1),
    seeders: count(env, "DEMO_SPEED_SEEDERS", 8, 1),
    vouchersPerSecond,
    vouchersPerSecondDuringAirdrop: Math.min(4, vouchersPerSecond),
    network: env.SPEED_NETWORK ?? "devnet",
  };
}

async function accountsOf(gateway, parties) {
  return mapLimited(parties, PARALLEL, (p) => gateway.get(`/v1/speed/accounts/${p.address}`));
}

export async function prepareSpeedClients({ chain, gateway, report, signal, roles, env, settings }) {
  const custody = env.LEDGER_CUSTODY_ADDRESS;
  const faucet = roles.speedFaucet;
  const downloaders = Array.from({ length: settings.downloaders }, () => chain.newParty());
  const seeders = Array.from({ length: settings.seeders }, () => chain.newParty());
  const started = Date.now();
  report.say(
    "speed",
    `${settings.downloaders} downloaders and ${settings.seeders} seeders with fresh keys; the faucet ${faucet.address} ` +
      `sends each downloader ${formatTrx(DOWNLOADER_TRX_SUN)} (bandwidth) and ${formatBtt(DOWNLOADER_BTT)}`,
  );
  await step("fund the Speed clients on chain", ["tron-devnet"], async () => {
    const txIds = await mapLimited(downloaders, PARALLEL, async (d) => [
      await chain.sendTrx(faucet, d.address, DOWNLOADER_TRX_SUN, "btt-demo:speed:trx"),
      await chain.sendBtt(faucet, d.address, DOWNLOADER_BTT, "btt-demo:speed:btt"),
    ]);
    await chain.waitForTransactions(txIds.flat());
  });

  await step("deposit to custody", ["tron-devnet"], async () => {
    const txIds = await mapLimited(downloaders, PARALLEL, (d) =>
      chain.sendBtt(d, custody, DEPOSIT, "btt-demo:speed:deposit"),
    );
    await chain.waitForTransactions(txIds);
  });
  report.say(
    "speed",
    `each downloader deposited ${formatBtt(DEPOSIT)} to custody on chain; waiting for the ledger`,
  );

  await step("wait for the ledger to credit the deposits", LOGS, () =>
    waitUntil(
      async () => {
        const accounts = await accountsOf(gateway, downloaders);
        return accounts.every((a) => BigInt(a.deposited) >= DEPOSIT) || undefined;
      },
      {
        timeoutMs: CREDIT_TIMEOUT_MS,
        signal,
        onTimeout: () => `the ledger has not credited every deposit within ${CREDIT_TIMEOUT_MS / 1000} s`,
      },
    ),
  );
  report.done(
    "speed",
    `ledger credited ${formatCount(downloaders.length)} deposits (${formatBtt(DEPOSIT * BigInt(downloaders.length))}) ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s after the clients were created`,
  );

  await step("grant from the promotions pool", ["gateway", "speed-ledger"], () =>
    mapLimited(downloaders, PARALLEL, (d) =>
      gateway.post(
        "/v1/speed/grants",
        { address: d.address, amount: String(WELCOME_GRANT), memo: "btt-demo: welcome bonus" },
        { as: "operator", idempotencyKey: `btt-demo:welcome:${d.address}` },
      ),
    ),
  );
  report.done(
    "speed",
    `operator: POST /v1/speed/grants ×${downloaders.length}, ${formatBtt(WELCOME_GRANT)} each from the promotions pool`,
  );
  return { downloaders, seeders };
}
