import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { addressOfPrivateKey } from "@btt/payouts";
import { createPool, type Pool, type PoolClient, withTransaction } from "@btt/shared/db";
import type { SpeedCommand } from "@btt/shared/events";
import { createTestDatabase, type TestDatabase } from "@btt/shared/testing";
import { signCommand } from "@btt/shared/tron";
import { verifyCommand } from "../src/domain/verify.js";
import { type ApplyOptions, applyCommands, type Verdict } from "../src/ledger/apply-commands.js";
import { applyDeposit, type DepositRules } from "../src/ledger/deposits.js";

export const MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
export const DOMAIN = "btt-speed/v1/devnet";
export const BTT = "1002000";

export interface Party {
  address: string;
  privateKey: string;
}

export function party(): Party {
  const privateKey = randomBytes(32).toString("hex");
  return { privateKey, address: addressOfPrivateKey(privateKey) };
}

export interface LedgerDb {
  db: TestDatabase;
  /** search_path = ledger, as the service's own pool. */
  pool: Pool;
  close(): Promise<void>;
}

export async function ledgerDatabase(): Promise<LedgerDb> {
  const db = await createTestDatabase({ migrationsDirs: [MIGRATIONS] });
  const pool = createPool({
    connectionString: db.url,
    applicationName: "speed-ledger-test",
    schema: "ledger",
  });
  return {
    db,
    pool,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/** Withdrawals queue nothing in these tests unless a port is given. */
export const recordWithdrawals = () => {
  const queued: { id: string; to: string; amount: bigint }[] = [];
  return {
    queued,
    port: {
      async enqueue(_client: PoolClient, w: { id: string; to: string; amount: bigint }) {
        queued.push(w);
      },
    },
  };
};

export function applyOptions(overrides: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    domain: DOMAIN,
    withdrawalDailyLimit: null,
    withdrawals: recordWithdrawals().port,
    ...overrides,
  };
}

export interface Signed {
  command: SpeedCommand;
  signature: string;
}

export function sign(command: SpeedCommand, by: Party): Signed {
  return { command, signature: signCommand(command as unknown as Record<string, string>, by.privateKey) };
}

const HOUR = 3_600_000;

export function openChannel(
  payer: Party,
  payee: Party,
  amount: bigint,
  opts: { expiresAt?: number; id?: string } = {},
) {
  return sign(
    {
      type: "channel.open",
      domain: DOMAIN,
      id: opts.id ?? randomUUID(),
      notAfter: String(Date.now() + HOUR),
      payer: payer.address,
      payee: payee.address,
      amount: String(amount),
      expiresAt: String(opts.expiresAt ?? Date.now() + HOUR),
    },
    payer,
  );
}

export function voucher(
  channelId: string,
  payer: Party,
  payee: Party,
  cumulative: bigint,
  signer: Party = payer,
) {
  return sign(
    {
      type: "voucher",
      domain: DOMAIN,
      id: randomUUID(),
      notAfter: String(Date.now() + HOUR),
      channelId,
      payer: payer.address,
      payee: payee.address,
      cumulativeAmount: String(cumulative),
      cumulativeBytes: String(cumulative * 16n),
      infohash: "c9e15763f722f23e98a29decdfae341b98d53056",
    },
    signer,
  );
}

export function closeChannel(channelId: string, payer: Party, by: Party) {
  return sign(
    {
      type: "channel.close",
      domain: DOMAIN,
      id: randomUUID(),
      notAfter: String(Date.now() + HOUR),
      channelId,
      payer: payer.address,
      by: by.address,
    },
    by,
  );
}

export function withdrawal(account: Party, amount: bigint, to: string) {
  return sign(
    {
      type: "withdrawal.request",
      domain: DOMAIN,
      id: randomUUID(),
      notAfter: String(Date.now() + HOUR),
      account: account.address,
      amount: String(amount),
      to,
    },
    account,
  );
}

export async function apply(
  pool: Pool,
  commands: Signed[],
  options: ApplyOptions = applyOptions(),
  now?: Date,
): Promise<Verdict[]> {
  return withTransaction(pool, (client) => applyCommands(client, commands.map(verifyCommand), options, now));
}

export const CUSTODY = party();

export function depositRules(overrides: Partial<DepositRules> = {}): DepositRules {
  return {
    custodyAddress: CUSTODY.address,
    tokenId: BTT,
    promotionsFunders: new Set(),
    rewardsFunders: new Set(),
    ...overrides,
  };
}

let block = 100;
export async function deposit(
  pool: Pool,
  from: string,
  amount: bigint,
  rules = depositRules(),
  txId?: string,
) {
  block += 1;
  return withTransaction(pool, (client) =>
    applyDeposit(
      client,
      {
        txId: txId ?? randomBytes(32).toString("hex"),
        from,
        to: rules.custodyAddress,
        tokenId: BTT,
        amount: String(amount),
        blockNumber: block,
        blockTime: new Date().toISOString(),
        memo: null,
      },
      rules,
    ),
  );
}

export async function balances(pool: Pool): Promise<Record<string, [string, string]>> {
  const { rows } = await pool.query<{ id: string; available: bigint; locked: bigint }>(
    `SELECT id, available, locked FROM accounts ORDER BY id`,
  );
  return Object.fromEntries(rows.map((r) => [r.id, [String(r.available), String(r.locked)]]));
}
