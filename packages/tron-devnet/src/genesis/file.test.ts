import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  GENESIS_FILE_FORMAT,
  GenesisFileError,
  generateGenesis,
  loadGenesisFile,
  parseGenesis,
  writeGenesisFile,
} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "btt-genesis-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const original = generateGenesis({ seed: 5, accounts: 2_000, height: 6_599_990 });
const path = join(dir, "genesis.json");
writeGenesisFile(original, path);
const text = readFileSync(path, "utf8");

/** A fresh, valid parsed document to break in one place. */
function doc(): Record<string, unknown> & { accounts: Record<string, unknown>[] } {
  return JSON.parse(text);
}

function writeDoc(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
}

describe("genesis file round trip", () => {
  test("the file is versioned JSON with amounts as decimal strings, one account per line", () => {
    const parsed = doc();
    expect(parsed.format).toBe(GENESIS_FILE_FORMAT);
    expect(GENESIS_FILE_FORMAT).toBe("btt-devnet-genesis/1");
    expect(parsed.accountCount).toBe(2_000);
    expect(parsed.accounts).toHaveLength(2_000);
    expect(parsed.accounts[0]?.balance).toBe("1000000000000");
    expect((parsed.assets as { totalSupply: unknown }[])[0]?.totalSupply).toBe("990000000000000000");
    expect(
      text.split("\n").filter((line) => line.startsWith('    {"address":') && line.includes('"balance":"'))
        .length,
    ).toBe(2_000);
  });

  test("load(write(g)) equals g in every field and account", () => {
    const loaded = loadGenesisFile(path);
    expect(loaded.height).toBe(6_599_990);
    expect(loaded.timestamp).toBe(original.timestamp);
    expect(loaded.witness).toEqual(original.witness);
    expect(loaded.developmentAccounts).toEqual(original.developmentAccounts);
    expect(loaded.assets).toEqual(original.assets);
    expect(loaded.delegations).toEqual(original.delegations);
    expect(loaded.accountCount).toBe(original.accountCount);
    expect([...loaded.accounts()]).toEqual([...original.accounts()]);
    expect([...loaded.accounts()]).toEqual([...loaded.accounts()]);
  });

  test("writing the loaded genesis again gives the same bytes", () => {
    const again = join(dir, "again.json");
    writeGenesisFile(loadGenesisFile(path), again);
    expect(readFileSync(again, "utf8")).toBe(text);
  });

  test("a genesis without population or delegations round-trips too", () => {
    const small = generateGenesis({ accounts: 10 });
    const p = join(dir, "small.json");
    writeGenesisFile(small, p);
    const loaded = loadGenesisFile(p);
    expect(loaded.delegations).toEqual([]);
    expect([...loaded.accounts()]).toEqual([...small.accounts()]);
  });
});

describe("malformed genesis files are rejected with the path and the field", () => {
  function rejects(name: string, mutate: (d: ReturnType<typeof doc>) => void, message: RegExp): void {
    const d = doc();
    mutate(d);
    const p = writeDoc(name, d);
    let error: unknown;
    try {
      loadGenesisFile(p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GenesisFileError);
    const text = (error as Error).message;
    expect(text.startsWith(`${p}: `)).toBe(true);
    expect(text).toMatch(message);
  }

  test("a balance given as a number", () => {
    rejects(
      "number-balance.json",
      (d) => {
        (d.accounts[3] as Record<string, unknown>).balance = 5;
      },
      /accounts\[3\]\.balance: expected a decimal string/,
    );
  });

  test("a negative amount and an amount beyond int64", () => {
    rejects(
      "negative.json",
      (d) => {
        (d.delegations as Record<string, unknown>[])[0] = {
          ...(d.delegations as Record<string, unknown>[])[0],
          amount: "-1",
        };
      },
      /delegations\[0\]\.amount: expected a decimal string of a non-negative integer/,
    );
    rejects(
      "huge.json",
      (d) => {
        (d.accounts[12] as Record<string, unknown>).balance = "9223372036854775808";
      },
      /accounts\[12\]\.balance: exceeds the int64 range/,
    );
  });

  test("a bad address, an unknown field and a wrong format tag", () => {
    rejects(
      "address.json",
      (d) => {
        (d.accounts[20] as Record<string, unknown>).address = "TMUSoTKG7FxZZbBog4R4X7EayJmnWEkEyS";
      },
      /accounts\[20\]\.address: expected a lower-case 21-byte hex address/,
    );
    rejects(
      "unknown-key.json",
      (d) => {
        (d.accounts[7] as Record<string, unknown>).frozenv2 = {};
      },
      /accounts\[7\]: .*frozenv2/,
    );
    rejects(
      "format.json",
      (d) => {
        d.format = "btt-devnet-genesis/2";
      },
      /format: expected "btt-devnet-genesis\/1"/,
    );
  });

  test("inconsistent content: BTT sum, delegation target, duplicates, keys, count", () => {
    rejects(
      "supply.json",
      (d) => {
        const distributor = d.accounts[0] as { assets: Record<string, string> };
        distributor.assets["1002000"] = (BigInt(distributor.assets["1002000"] ?? "0") - 1n).toString();
      },
      /assets\[0\]\.totalSupply: is 990000000000000000 but the accounts hold 989999999999999999/,
    );
    rejects(
      "delegation.json",
      (d) => {
        const delegations = d.delegations as Record<string, unknown>[];
        delegations[2] = { ...delegations[2], to: `41${"ee".repeat(20)}` };
      },
      /delegations\[2\]\.to: is not one of the accounts/,
    );
    rejects(
      "duplicate.json",
      (d) => {
        (d.accounts[15] as Record<string, unknown>).address = (
          d.accounts[14] as Record<string, unknown>
        ).address;
      },
      /accounts\[15\]\.address: duplicates accounts\[14\]/,
    );
    rejects(
      "key.json",
      (d) => {
        const devs = d.developmentAccounts as Record<string, unknown>[];
        devs[4] = { ...devs[4], privateKey: (devs[5] as Record<string, unknown>).privateKey };
      },
      /developmentAccounts\[4\]\.base58: does not match the private key/,
    );
    rejects(
      "count.json",
      (d) => {
        d.accountCount = 1999;
      },
      /accountCount: is 1999 but there are 2000 accounts/,
    );
    rejects(
      "unknown-asset.json",
      (d) => {
        (d.accounts[30] as Record<string, unknown>).assets = { "1000001": "5" };
      },
      /accounts\[30\]\.assets\.1000001: unknown asset id/,
    );
  });

  test("not JSON, not a file", () => {
    const p = join(dir, "broken.json");
    writeFileSync(p, text.slice(0, 5000));
    expect(() => loadGenesisFile(p)).toThrow(new RegExp(`^${p.replace(/[.]/g, "\\.")}: not valid JSON`));
    expect(() => loadGenesisFile(join(dir, "missing.json"))).toThrow(/missing\.json: cannot read/);
  });

  test("parseGenesis reports several problems at once", () => {
    const d = doc();
    d.height = -1;
    (d.accounts[1] as Record<string, unknown>).balance = 1;
    expect(() => parseGenesis(d, "inline")).toThrow(/inline: height: .*\ninline: accounts\[1\]\.balance/s);
  });
});
