import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { createLogger } from "@btt/shared/logger";
import { describe, expect, it } from "vitest";
import { addressOfPrivateKey, privateKeySigner, signerFromEnv } from "./signer.js";

const KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082794e5f6b6e6e7c0a1b2c";

describe("signer", () => {
  it("never serialises its key (JSON, inspect, String, logs)", () => {
    const signer = privateKeySigner(KEY);
    const lines: string[] = [];
    const logger = createLogger({ service: "t", destination: { write: (l: string) => lines.push(l) } });
    logger.info({ signer }, "signer");
    const seen = [
      JSON.stringify(signer),
      inspect(signer, { depth: 10, showHidden: true }),
      String(signer),
      lines.join(""),
    ];
    for (const text of seen) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(KEY.slice(8, 40));
    }
    expect(JSON.parse(JSON.stringify(signer))).toEqual({ type: "privateKeySigner", address: signer.address });
  });

  it("reads <PREFIX>_PRIVATE_KEY or <PREFIX>_KEY_FILE, exactly one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "payouts-key-"));
    const file = path.join(dir, "key");
    writeFileSync(file, `${KEY}\n`);
    const address = addressOfPrivateKey(KEY);
    expect(signerFromEnv({ AIRDROP_PAYOUT_PRIVATE_KEY: KEY }, "AIRDROP_PAYOUT").address).toBe(address);
    expect(signerFromEnv({ AIRDROP_PAYOUT_KEY_FILE: file }, "AIRDROP_PAYOUT").address).toBe(address);
    expect(() => signerFromEnv({}, "AIRDROP_PAYOUT")).toThrow(
      /AIRDROP_PAYOUT_PRIVATE_KEY or AIRDROP_PAYOUT_KEY_FILE/,
    );
    expect(() =>
      signerFromEnv({ AIRDROP_PAYOUT_PRIVATE_KEY: KEY, AIRDROP_PAYOUT_KEY_FILE: file }, "AIRDROP_PAYOUT"),
    ).toThrow(/not both/);
    try {
      signerFromEnv({ X_PRIVATE_KEY: `${KEY.slice(0, 63)}z` }, "X");
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(KEY.slice(0, 20));
    }
  });

  it("refuses to sign a transaction whose txID is not its bytes' hash", async () => {
    const signer = privateKeySigner(KEY);
    const tx = { visible: false, txID: "00".repeat(32), raw_data_hex: "0a00", raw_data: {} } as never;
    await expect(signer.sign(tx)).rejects.toThrow(/refusing to sign/);
  });
});
