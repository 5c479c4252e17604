import { TronWeb } from "tronweb";
import { describe, expect, it } from "vitest";
import { startDevnet } from "../src/index.js";

describe("startDevnet", () => {
  it("produces blocks on its own every blockTimeMs and stops cleanly", async () => {
    const devnet = await startDevnet({
      port: 0,
      genesis: { seed: 5, accounts: 12, height: 100 },
      blockTimeMs: 40,
      solidificationLag: 2,
    });
    try {
      expect(devnet.url).toBe(`http://127.0.0.1:${devnet.port}`);
      expect(devnet.head()).toBe(100);
      expect(devnet.solidHead()).toBe(100);
      await new Promise((r) => setTimeout(r, 400));
      expect(devnet.head()).toBeGreaterThan(103);
      expect(devnet.solidHead()).toBe(devnet.head() - 2);
      const tw = new TronWeb({ fullHost: devnet.url });
      const block = await tw.trx.getCurrentBlock();
      expect(block.block_header.raw_data.number).toBeGreaterThanOrEqual(devnet.head() - 1);
      const mined = await devnet.mine(5);
      expect(mined).toBeGreaterThanOrEqual(108);
    } finally {
      await devnet.stop();
    }
    await expect(fetch(`${devnet.url}/healthcheck`)).rejects.toThrow();
  });

  it("serves the fixed /devnet routes", async () => {
    const devnet = await startDevnet({
      port: 0,
      genesis: { seed: 5, accounts: 12, height: 6_599_000 },
      blockTimeMs: 0,
    });
    try {
      const accounts = (await (await fetch(`${devnet.url}/devnet/accounts`)).json()) as Record<
        string,
        string
      >[];
      expect(accounts).toHaveLength(10);
      for (const a of accounts) {
        expect(Object.keys(a).sort()).toEqual(["address", "btt", "privateKey", "trx"]);
        expect(TronWeb.address.fromPrivateKey(a.privateKey as string)).toBe(a.address);
        expect(a.trx).toBe("1000000000000");
      }
      expect(BigInt(accounts[0]?.btt as string)).toBeGreaterThan(0n);
      const mine = await fetch(`${devnet.url}/devnet/mine`, {
        method: "POST",
        body: JSON.stringify({ blocks: 7 }),
      });
      expect(await mine.json()).toEqual({ head: 6_599_007 });
      expect(devnet.head()).toBe(6_599_007);
      const bad = await fetch(`${devnet.url}/devnet/mine`, {
        method: "POST",
        body: JSON.stringify({ blocks: -1 }),
      });
      expect(bad.status).toBe(400);
      const faults = await fetch(`${devnet.url}/devnet/faults`, {
        method: "POST",
        body: JSON.stringify({ serverBusyRate: 2 }),
      });
      expect(faults.status).toBe(400);
      const holdings = await fetch(`${devnet.url}/devnet/holdings?height=6599000`);
      expect(holdings.headers.get("content-type")).toMatch(/application\/x-ndjson/);
      const lines = (await holdings.text()).trim().split("\n");
      expect(lines.length).toBeGreaterThan(10);
      expect(lines.length).toBeLessThanOrEqual(12);
    } finally {
      await devnet.stop();
    }
  });
});
