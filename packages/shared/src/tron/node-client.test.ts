import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../errors/index.js";
import { int64 } from "./holding.js";
import { parseNodeJson, stringifyNodeJson, TronNodeClient } from "./node-client.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A real local HTTP server answering with the given (status, body) script, then the last one. */
async function scriptedNode(script: [number, string][]) {
  const seen: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push({ path: req.url ?? "", body });
      const [status, text] = script[Math.min(seen.length - 1, script.length - 1)] as [number, string];
      res.writeHead(status, { "Content-Type": "application/json" }).end(text);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("java-tron JSON", () => {
  it("keeps int64 values beyond 2^53 exact", () => {
    const reply = parseNodeJson('{"total_supply":990000000000000000,"precision":6,"ratio":0.5}') as Record<
      string,
      unknown
    >;
    expect(reply.total_supply).toBe(990_000_000_000_000_000n);
    expect(reply.precision).toBe(6);
    expect(int64(reply.total_supply as bigint, "total_supply")).toBe(990_000_000_000_000_000n);
    expect(stringifyNodeJson({ amount: 990_000_000_000_000_001n, n: 1 })).toBe(
      '{"amount":990000000000000001,"n":1}',
    );
  });
});

describe("TronNodeClient", () => {
  it("retries a busy node and answers once it recovers", async () => {
    const node = await scriptedNode([
      [503, "busy"],
      [429, "slow down"],
      [200, '{"blockID":"00","block_header":{"raw_data":{"number":6600000}}}'],
    ]);
    const client = new TronNodeClient({ fullHost: node.url, retryBaseMs: 5 });
    const block = (await client.nowBlock({ solidified: true })) as {
      block_header: { raw_data: { number: number } };
    };
    expect(block.block_header.raw_data.number).toBe(6_600_000);
    expect(node.seen.map((s) => s.path)).toEqual(Array(3).fill("/walletsolidity/getnowblock"));
  });

  it("gives up with UNAVAILABLE after its retries when the node stays down", async () => {
    const client = new TronNodeClient({ fullHost: "http://127.0.0.1:1", retries: 2, retryBaseMs: 5 });
    const error = await client.nowBlock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNAVAILABLE");
  });

  it("sends solidity calls to the solidity host and never retries a broadcast", async () => {
    const full = await scriptedNode([[503, "busy"]]);
    const solidity = await scriptedNode([[200, "{}"]]);
    const client = new TronNodeClient({ fullHost: full.url, solidityHost: solidity.url, retryBaseMs: 5 });
    await client.account("TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw", { solidified: true });
    expect(solidity.seen[0]).toEqual({
      path: "/walletsolidity/getaccount",
      body: '{"address":"TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw","visible":true}',
    });
    await expect(client.broadcast({ txID: "ab" })).rejects.toThrow(/HTTP 503/);
    expect(full.seen).toHaveLength(1);
  });

  it("asks for block ranges within java-tron's limit of 100", async () => {
    const node = await scriptedNode([[200, '{"block":[{"blockID":"01"},{"blockID":"02"}]}']]);
    const client = new TronNodeClient({ fullHost: node.url });
    expect(await client.blockRange(10, 12)).toEqual([{ blockID: "01" }, { blockID: "02" }]);
    expect(node.seen[0]?.body).toBe('{"startNum":10,"endNum":12}');
    await expect(client.blockRange(0, 101)).rejects.toThrow(RangeError);
  });
});
