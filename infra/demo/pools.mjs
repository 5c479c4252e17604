// The ledger's pools are funded the only way BTT enters the ledger: on-chain transfers to the
// custody address (ARCHITECTURE.md, "Money model"). Development account 0 (the BTT holder) first
// gives BTT to the configured funding addresses and to the Speed clients' faucet; the funders then
// deposit to custody, the indexer publishes the solidified transfers on chain.deposits, and the
// ledger credits the pools — which the demo reads back through GET /v1/speed/ledger/check.
import { formatBtt, tokens } from "./format.mjs";
import { DemoStepError, step, waitUntil } from "./steps.mjs";

/** The promotions pool gets at least 1,000,000 BTT, so operators can grant (issue 8). */
export const PROMOTIONS_FUNDING = tokens(2_000_000);
/** Seeding rewards: 100 epochs at the ledger's default budget of 1,000 BTT each. */
export const REWARDS_FUNDING = tokens(100_000);
/** What the faucet hands out to simulated Speed clients (speed.mjs). */
export const FAUCET_FUNDING = tokens(200_000);
const CREDIT_TIMEOUT_MS = 120_000;

/** The development account whose address is the first configured funder, or null (no key here). */
function funderAccount(accounts, configured) {
  const first = String(configured ?? "")
    .split(",")[0]
    .trim();
  return accounts.find((a) => a.address === first) ?? null;
}

async function poolBalances(gateway) {
  const check = await gateway.get("/v1/speed/ledger/check", { as: "operator" });
  return { promotions: BigInt(check.totals.promotions), rewards: BigInt(check.totals.rewards) };
}

/**
 * Funds both pools and the faucet; resolves once the ledger shows the pools credited. `roles`
 * holds the development accounts by role; `env` is the services' environment (funders, custody).
 */
export async function fundPools({ chain, gateway, report, signal, accounts, roles, env }) {
  const custody = env.LEDGER_CUSTODY_ADDRESS;
  const pools = [
    {
      name: "promotions",
      amount: PROMOTIONS_FUNDING,
      funder: funderAccount(accounts, env.SPEED_PROMOTIONS_FUNDERS),
      variable: "SPEED_PROMOTIONS_FUNDERS",
    },
    {
      name: "rewards",
      amount: REWARDS_FUNDING,
      funder: funderAccount(accounts, env.SPEED_REWARDS_FUNDERS),
      variable: "SPEED_REWARDS_FUNDERS",
    },
  ];
  for (const pool of pools) {
    if (!pool.funder)
      throw new DemoStepError(
        "fund the pools",
        `${pool.variable} is not a development account of the devnet, so the demo holds no key to fund the ${pool.name} pool`,
      );
  }
  const started = Date.now();
  const before = await step("read the pools", ["gateway", "speed-ledger"], () => poolBalances(gateway));
  report.say(
    "pools",
    `development account 0 (the BTT holder) gives ${pools.map((p) => `${formatBtt(p.amount)} to the ${p.name} funder ${p.funder.address}`).join(", ")} ` +
      `and ${formatBtt(FAUCET_FUNDING)} to the Speed clients' faucet`,
  );

  await step("give BTT to the funders and the faucet", ["tron-devnet"], async () => {
    const transfers = [
      ...pools.map((p) => ({ to: p.funder.address, amount: p.amount, memo: `btt-demo:fund:${p.name}` })),
      { to: roles.speedFaucet.address, amount: FAUCET_FUNDING, memo: "btt-demo:fund:faucet" },
    ];
    const txIds = await Promise.all(
      transfers.map((t) => chain.sendBtt(roles.distributor, t.to, t.amount, t.memo)),
    );
    await chain.waitForTransactions(txIds);
  });

  const deposits = await step("deposit to custody", ["tron-devnet"], () =>
    Promise.all(pools.map((p) => chain.sendBtt(p.funder, custody, p.amount, `btt-demo:pool:${p.name}`))),
  );
  report.say(
    "pools",
    `deposits to custody ${custody}: ${pools.map((p) => `${p.name} ${formatBtt(p.amount)}`).join(", ")} (txids ${deposits.map((t) => t.slice(0, 8)).join(", ")}…)`,
  );

  const credited = await step("wait for the ledger to credit the pools", ["indexer", "speed-ledger"], () =>
    waitUntil(
      async () => {
        const now = await poolBalances(gateway);
        const done =
          now.promotions >= before.promotions + PROMOTIONS_FUNDING &&
          now.rewards >= before.rewards + REWARDS_FUNDING;
        return done ? now : undefined;
      },
      {
        timeoutMs: CREDIT_TIMEOUT_MS,
        signal,
        onTimeout: () =>
          `the ledger has not credited the deposits after ${CREDIT_TIMEOUT_MS / 1000} s (the indexer publishes them once solidified; GET /chain/status on the indexer shows how far it is)`,
      },
    ),
  );
  report.done(
    "pools",
    `ledger credited: promotions pool ${formatBtt(credited.promotions)}, rewards pool ${formatBtt(credited.rewards)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return credited;
}
