import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { TronWeb } from "tronweb";
import { z } from "zod";
import type {
  DevelopmentAccount,
  Genesis,
  GenesisAccount,
  GenesisAsset,
  GenesisDelegation,
  ResourceType,
} from "./types.js";

/**
 * The genesis file, version 1: one JSON object
 *
 *   { "format": "btt-devnet-genesis/1", "height", "timestamp", "witness", "developmentAccounts",
 *     "assets", "delegations", "accounts", "accountCount" }
 *
 * with the fields of types.ts, every amount (balance, frozen/unfrozen amounts, asset balances,
 * totalSupply, delegation amounts) as a decimal string, times as integer Unix milliseconds and
 * addresses as lower-case hex `41…`. The writer puts one account per line; `accountCount` is
 * optional on load (if present it must equal the number of accounts).
 */
export const GENESIS_FILE_FORMAT = "btt-devnet-genesis/1";

const INT64_MAX = 9_223_372_036_854_775_807n;
const RESOURCE_ORDER: readonly ResourceType[] = ["BANDWIDTH", "ENERGY", "TRON_POWER"];

/** Thrown by {@link loadGenesisFile} / {@link parseGenesis}; the message names the file and the field. */
export class GenesisFileError extends Error {
  override readonly name = "GenesisFileError";
}

const amount = z
  .string({ error: "expected a decimal string (amounts are strings, not numbers)" })
  .regex(/^(0|[1-9][0-9]*)$/, "expected a decimal string of a non-negative integer")
  .refine((s) => s.length < 19 || BigInt(s) <= INT64_MAX, "exceeds the int64 range")
  .transform((s) => BigInt(s));
const time = z
  .number({ error: "expected a number (Unix milliseconds)" })
  .int("expected an integer (Unix milliseconds)")
  .min(0, "expected a non-negative time")
  .max(Number.MAX_SAFE_INTEGER, "time out of range");
const address = z
  .string({ error: "expected a hex address string" })
  .regex(/^41[0-9a-f]{40}$/, "expected a lower-case 21-byte hex address (41 followed by 40 hex digits)");
const resourceType = z.enum(["BANDWIDTH", "ENERGY", "TRON_POWER"]);
const frozenV1Entry = z.strictObject({ amount, expireTime: time });

const accountSchema = z.strictObject({
  address,
  balance: amount,
  frozenV1: z
    .strictObject({ bandwidth: frozenV1Entry.optional(), energy: frozenV1Entry.optional() })
    .optional(),
  frozenV2: z
    .strictObject({ BANDWIDTH: amount.optional(), ENERGY: amount.optional(), TRON_POWER: amount.optional() })
    .optional(),
  unfrozenV2: z.array(z.strictObject({ type: resourceType, amount, expireTime: time })).optional(),
  assets: z.record(z.string().regex(/^[0-9]+$/, "expected a numeric token id"), amount).optional(),
  name: z.string().optional(),
});

const developmentAccountSchema = z.strictObject({
  address,
  base58: z.string(),
  privateKey: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex characters"),
});

const assetSchema = z.strictObject({
  id: z.string().regex(/^[0-9]+$/, "expected a numeric token id"),
  owner: address,
  name: z.string(),
  abbr: z.string(),
  precision: z.number().int().min(0).max(6),
  totalSupply: amount,
  description: z.string(),
  url: z.string(),
  startTime: time,
  endTime: time,
});

const delegationSchema = z.strictObject({
  stake: z.enum(["v1", "v2"]),
  from: address,
  to: address,
  resource: z.enum(["BANDWIDTH", "ENERGY"]),
  amount,
  expireTime: time,
});

const genesisSchema = z.strictObject({
  format: z.literal(GENESIS_FILE_FORMAT, { error: `expected "${GENESIS_FILE_FORMAT}"` }),
  height: z.number().int().min(0),
  timestamp: time,
  witness: developmentAccountSchema,
  developmentAccounts: z.array(developmentAccountSchema),
  assets: z.array(assetSchema),
  delegations: z.array(delegationSchema),
  accounts: z.array(accountSchema),
  accountCount: z.number().int().min(0).optional(),
});

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Validates a parsed genesis document (`source` names it in errors) and returns the Genesis. */
export function parseGenesis(json: unknown, source = "genesis"): Genesis {
  const result = genesisSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues;
    const shown = issues.slice(0, 5).map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`);
    if (issues.length > shown.length)
      shown.push(`${source}: … and ${issues.length - shown.length} more problems`);
    throw new GenesisFileError(shown.join("\n"));
  }
  const doc = result.data;
  const fail = (where: string, problem: string): never => {
    throw new GenesisFileError(`${source}: ${where}: ${problem}`);
  };

  if (doc.accountCount !== undefined && doc.accountCount !== doc.accounts.length) {
    fail("accountCount", `is ${doc.accountCount} but there are ${doc.accounts.length} accounts`);
  }
  const keyed: [string, DevelopmentAccount][] = [
    ["witness", doc.witness],
    ...doc.developmentAccounts.map((a, i): [string, DevelopmentAccount] => [`developmentAccounts[${i}]`, a]),
  ];
  for (const [where, account] of keyed) {
    const base58 = TronWeb.address.fromPrivateKey(account.privateKey);
    if (base58 === false) fail(`${where}.privateKey`, "is not a valid private key");
    else if (base58 !== account.base58) fail(`${where}.base58`, `does not match the private key (${base58})`);
    else if (TronWeb.address.toHex(base58).toLowerCase() !== account.address) {
      fail(`${where}.address`, "does not match the private key");
    }
  }

  const indexOf = new Map<string, number>();
  doc.accounts.forEach((account, i) => {
    const previous = indexOf.get(account.address);
    if (previous !== undefined) fail(`accounts[${i}].address`, `duplicates accounts[${previous}]`);
    indexOf.set(account.address, i);
  });

  const assetIds = new Set<string>();
  const supplied = new Map<string, bigint>();
  doc.assets.forEach((asset, i) => {
    if (assetIds.has(asset.id)) fail(`assets[${i}].id`, `duplicate asset id ${asset.id}`);
    assetIds.add(asset.id);
    supplied.set(asset.id, 0n);
    if (!indexOf.has(asset.owner)) fail(`assets[${i}].owner`, "is not one of the accounts");
  });
  doc.accounts.forEach((account, i) => {
    for (const [id, value] of Object.entries(account.assets ?? {})) {
      const sum = supplied.get(id);
      if (sum === undefined) fail(`accounts[${i}].assets.${id}`, "unknown asset id (not in assets)");
      else supplied.set(id, sum + value);
    }
  });
  doc.assets.forEach((asset, i) => {
    const sum = supplied.get(asset.id) ?? 0n;
    if (sum !== asset.totalSupply) {
      fail(
        `assets[${i}].totalSupply`,
        `is ${asset.totalSupply} but the accounts hold ${sum} of asset ${asset.id}`,
      );
    }
  });
  doc.delegations.forEach((d, i) => {
    if (!indexOf.has(d.from)) fail(`delegations[${i}].from`, "is not one of the accounts");
    if (!indexOf.has(d.to)) fail(`delegations[${i}].to`, "is not one of the accounts");
    if (d.from === d.to) fail(`delegations[${i}].to`, "equals from (an account cannot delegate to itself)");
  });

  const accounts: GenesisAccount[] = doc.accounts.map(cleanAccount);
  const assets: GenesisAsset[] = doc.assets;
  const delegations: GenesisDelegation[] = doc.delegations;
  return {
    height: doc.height,
    timestamp: doc.timestamp,
    witness: doc.witness,
    developmentAccounts: doc.developmentAccounts,
    assets,
    accountCount: accounts.length,
    accounts: () => accounts.values(),
    delegations,
  };
}

/** Drops the keys zod leaves as `undefined`, so a loaded account deep-equals a generated one. */
function cleanAccount(parsed: z.infer<typeof accountSchema>): GenesisAccount {
  const account: GenesisAccount = { address: parsed.address, balance: parsed.balance };
  if (parsed.frozenV1 !== undefined) {
    const frozenV1: NonNullable<GenesisAccount["frozenV1"]> = {};
    if (parsed.frozenV1.bandwidth !== undefined) frozenV1.bandwidth = parsed.frozenV1.bandwidth;
    if (parsed.frozenV1.energy !== undefined) frozenV1.energy = parsed.frozenV1.energy;
    account.frozenV1 = frozenV1;
  }
  if (parsed.frozenV2 !== undefined) {
    const frozenV2: Partial<Record<ResourceType, bigint>> = {};
    for (const type of RESOURCE_ORDER) {
      const value = parsed.frozenV2[type];
      if (value !== undefined) frozenV2[type] = value;
    }
    account.frozenV2 = frozenV2;
  }
  if (parsed.unfrozenV2 !== undefined) account.unfrozenV2 = parsed.unfrozenV2;
  if (parsed.assets !== undefined) account.assets = parsed.assets;
  if (parsed.name !== undefined) account.name = parsed.name;
  return account;
}

/** Reads and validates a genesis file; errors name the path and the field (GenesisFileError). */
export function loadGenesisFile(path: string): Genesis {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new GenesisFileError(`${path}: cannot read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GenesisFileError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseGenesis(json, path);
}

function amountJson(value: bigint): string {
  return value.toString(10);
}

/** The JSON value of one account, keys in a fixed order, amounts as decimal strings. */
export function accountToJson(account: GenesisAccount): Record<string, unknown> {
  const out: Record<string, unknown> = { address: account.address, balance: amountJson(account.balance) };
  if (account.frozenV1 !== undefined) {
    const v1: Record<string, unknown> = {};
    const { bandwidth, energy } = account.frozenV1;
    if (bandwidth !== undefined)
      v1.bandwidth = { amount: amountJson(bandwidth.amount), expireTime: bandwidth.expireTime };
    if (energy !== undefined)
      v1.energy = { amount: amountJson(energy.amount), expireTime: energy.expireTime };
    out.frozenV1 = v1;
  }
  if (account.frozenV2 !== undefined) {
    const v2: Record<string, string> = {};
    for (const type of RESOURCE_ORDER) {
      const value = account.frozenV2[type];
      if (value !== undefined) v2[type] = amountJson(value);
    }
    out.frozenV2 = v2;
  }
  if (account.unfrozenV2 !== undefined) {
    out.unfrozenV2 = account.unfrozenV2.map((u) => ({
      type: u.type,
      amount: amountJson(u.amount),
      expireTime: u.expireTime,
    }));
  }
  if (account.assets !== undefined) {
    const assets: Record<string, string> = {};
    for (const id of Object.keys(account.assets).sort()) {
      const value = account.assets[id];
      if (value !== undefined) assets[id] = amountJson(value);
    }
    out.assets = assets;
  }
  if (account.name !== undefined) out.name = account.name;
  return out;
}

function assetToJson(asset: GenesisAsset): Record<string, unknown> {
  return {
    id: asset.id,
    owner: asset.owner,
    name: asset.name,
    abbr: asset.abbr,
    precision: asset.precision,
    totalSupply: amountJson(asset.totalSupply),
    description: asset.description,
    url: asset.url,
    startTime: asset.startTime,
    endTime: asset.endTime,
  };
}

function delegationToJson(d: GenesisDelegation): Record<string, unknown> {
  return {
    stake: d.stake,
    from: d.from,
    to: d.to,
    resource: d.resource,
    amount: amountJson(d.amount),
    expireTime: d.expireTime,
  };
}

function devToJson(a: DevelopmentAccount): Record<string, unknown> {
  return { address: a.address, base58: a.base58, privateKey: a.privateKey };
}

/**
 * Writes `genesis` as a version-1 genesis file, streaming the accounts (one per line) so a
 * 1,000,000-account genesis never exists as one string. Written to a temporary file and renamed.
 */
export function writeGenesisFile(genesis: Genesis, path: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    let chunk = "";
    const emit = (text: string) => {
      chunk += text;
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk);
        chunk = "";
      }
    };
    const list = (name: string, items: readonly Record<string, unknown>[]) => {
      if (items.length === 0) {
        emit(`  ${JSON.stringify(name)}: [],\n`);
        return;
      }
      emit(`  ${JSON.stringify(name)}: [\n`);
      for (let i = 0; i < items.length; i++) {
        emit(`    ${JSON.stringify(items[i])}${i + 1 < items.length ? "," : ""}\n`);
      }
      emit("  ],\n");
    };
    emit("{\n");
    emit(`  "format": ${JSON.stringify(GENESIS_FILE_FORMAT)},\n`);
    emit(`  "height": ${JSON.stringify(genesis.height)},\n`);
    emit(`  "timestamp": ${JSON.stringify(genesis.timestamp)},\n`);
    emit(`  "witness": ${JSON.stringify(devToJson(genesis.witness))},\n`);
    list("developmentAccounts", genesis.developmentAccounts.map(devToJson));
    list("assets", genesis.assets.map(assetToJson));
    list("delegations", genesis.delegations.map(delegationToJson));
    emit(`  "accounts": [`);
    let count = 0;
    for (const account of genesis.accounts()) {
      emit(`${count === 0 ? "\n" : ",\n"}    ${JSON.stringify(accountToJson(account))}`);
      count += 1;
    }
    emit(count === 0 ? "],\n" : "\n  ],\n");
    emit(`  "accountCount": ${count}\n}\n`);
    writeSync(fd, chunk);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}
