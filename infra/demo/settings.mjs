// What the demo needs from `npm start`: whether it runs, the devnet it wants (population, start
// height, block time) and the services' demo-only settings. Plain data and arithmetic, no
// dependencies: start.mjs imports this before the packages are installed.

/** The schedule's initial drop snapshots TRON block 6,600,000 (TOKENOMICS.md). */
export const INITIAL_SNAPSHOT_HEIGHT = 6_600_000;

/**
 * The devnet the demo tells its story on, unless DEVNET_* say otherwise. 52,000 generated accounts
 * give ≈ 50,400 holders (about 3 % of the population hold nothing). Blocks every 250 ms keep the 19
 * blocks of solidification under 5 s, well inside the payout engine's 15 s rebroadcast delay (at
 * 1 s blocks most transfers were sent twice). The genesis sits far enough below 6,600,000 for that
 * block to be solidified ≈ 30 s after the devnet starts: after the services are ready and the
 * ledger's pools are funded, without a long wait.
 */
export const DEMO_DEVNET = { accounts: 52_000, blockTimeMs: 250, secondsTo6600000: 30 };
/** The plain stack's devnet (BTT_DEMO=off, or before the demo existed). */
export const PLAIN_DEVNET = { accounts: 1_000, blockTimeMs: 1_000, height: 0 };
export const SOLIDIFICATION_LAG_DEFAULT = 19;

/**
 * Who does what among the devnet's ten development accounts (`/devnet/accounts`): 0 holds the BTT
 * and is the airdrop's distributor, 9 is the speed ledger's custody (both set by start.mjs).
 */
export const DEVELOPMENT_ROLES = { distributor: 0, promotionsFunder: 1, rewardsFunder: 2, speedFaucet: 3 };

/** BTT_DEMO=off (or 0, false, no) disables the demo; it runs by default. */
export function demoRequested(env) {
  return !["off", "0", "false", "no"].includes(String(env.BTT_DEMO ?? "on").toLowerCase());
}

function wholeNumber(env, name, fallback, min = 0) {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name}="${text}" must be a whole number ≥ ${min}`);
  return value;
}

/**
 * The devnet's options from DEVNET_* (each one wins), else the demo's or the plain defaults. With
 * the demo, the genesis height is derived from the block time and lag: block 6,600,000 is
 * solidified once the head is `lag` blocks past it, `secondsTo6600000` after the devnet starts.
 */
export function devnetOptions(env, { demo }) {
  const defaults = demo ? DEMO_DEVNET : PLAIN_DEVNET;
  const blockTimeMs = wholeNumber(env, "DEVNET_BLOCK_TIME_MS", defaults.blockTimeMs);
  const solidificationLag = wholeNumber(env, "DEVNET_SOLIDIFICATION_LAG", SOLIDIFICATION_LAG_DEFAULT);
  // blocks come at least 3 s apart in chain time when the block time is 0 (blocks on demand)
  const effectiveBlockMs = blockTimeMs === 0 ? 3_000 : blockTimeMs;
  const demoHeight =
    INITIAL_SNAPSHOT_HEIGHT +
    solidificationLag -
    Math.ceil((DEMO_DEVNET.secondsTo6600000 * 1000) / effectiveBlockMs);
  return {
    accounts: wholeNumber(env, "DEVNET_ACCOUNTS", defaults.accounts, 11),
    seed: wholeNumber(env, "DEVNET_SEED", 7, Number.MIN_SAFE_INTEGER),
    height: wholeNumber(
      env,
      "DEVNET_GENESIS_HEIGHT",
      demo ? Math.min(INITIAL_SNAPSHOT_HEIGHT - 1, Math.max(0, demoHeight)) : PLAIN_DEVNET.height,
    ),
    blockTimeMs,
    solidificationLag,
  };
}

/**
 * The services' settings for the demo on the devnet (the environment still wins over each):
 * - the airdrop's auto-approve policy with one approval (API.md: "the demo uses 1"); the airdrop
 *   refuses it at start unless the chain is the devnet;
 * - development accounts 1 and 2 as the funding addresses of the ledger's promotions and rewards
 *   pools, and a seeding-reward epoch every minute, so one closes while you watch;
 * - the gateway's per-address limit raised: every simulated Speed client shares 127.0.0.1, where
 *   real clients each have their own address (the default, 1,200/min, would throttle them all
 *   together to 20 requests/s).
 */
export function demoServiceEnv(developmentAccounts) {
  const account = (role) => developmentAccounts[DEVELOPMENT_ROLES[role]].address;
  return {
    // schedule entries (the initial drop) approve themselves; event rounds wait for an operator
    AIRDROP_AUTO_APPROVE: "schedule",
    AIRDROP_APPROVALS_REQUIRED: "1",
    SPEED_PROMOTIONS_FUNDERS: account("promotionsFunder"),
    SPEED_REWARDS_FUNDERS: account("rewardsFunder"),
    SPEED_REWARDS_CRON: "* * * * *",
    RATE_LIMIT_PER_IP_PER_MINUTE: "60000",
  };
}
