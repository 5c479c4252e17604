import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createKafka } from "@btt/shared/kafka";
import { testKafkaBrokers } from "@btt/shared/testing";
import request from "supertest";
import { utils } from "tronweb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createPrismaClient } from "../src/data/prisma.js";
import {
  silent,
  snapshotRows,
  startTestChain,
  startTestIndexer,
  type TestChain,
  type TestIndexer,
} from "./harness.js";

// The indexer against the devnet: replay from the devnet's genesis base state through transfers,
// Stake 1.0 and 2.0 freezes, unfreezes, withdrawals, cancellations and delegations; snapshots at
// several heights must equal the devnet's oracle to the sun for every account.

const DAY = 86_400_000;
let chain: TestChain;
let indexer: TestIndexer;
let custody: string;
const heights: number[] = [];
let depositTx = "";

beforeAll(async () => {
  chain = await startTestChain(60, 1);
  custody = chain.accounts[9]?.address as string;
  indexer = await startTestIndexer({
    nodeUrl: chain.devnet.url,
    baseState: `${chain.devnet.url}/devnet/base-state`,
    watchedAddress: custody,
  });
  const [a0, a1, a2, a3] = chain.accounts.map((a) => a.privateKey) as [string, string, string, string];
  const fresh = utils.accounts.generateAccount();
  const receiver = chain.accounts[5]?.address as string;

  // phase 1: transfers (one creates an account), freezes of both kinds, a BTT deposit with a memo
  await chain.send(a0, (tw) => tw.transactionBuilder.sendTrx(fresh.address.base58, 25_000_000));
  await chain.send(a1, (tw) =>
    tw.transactionBuilder.sendTrx(chain.accounts[2]?.address as string, 1_234_567),
  );
  await chain.send(a2, (tw) => tw.transactionBuilder.freezeBalanceV2(300_000_000, "ENERGY"));
  await chain.send(a3, (tw) => tw.transactionBuilder.freezeBalance(50_000_000, 3, "BANDWIDTH"));
  await chain.send(a3, (tw) =>
    tw.transactionBuilder.freezeBalance(
      20_000_000,
      3,
      "ENERGY",
      tw.defaultAddress.base58 as string,
      receiver,
    ),
  );
  depositTx = await chain.send(a0, async (tw) => {
    const tx = await tw.transactionBuilder.sendToken(custody, 7_000_000, "1002000");
    return tw.transactionBuilder.addUpdateData(tx, "user-42 top-up", "utf8", { txLocal: true });
  });
  heights.push(chain.devnet.head());

  // phase 2: delegation, unstaking, a withdrawal after the wait, a cancellation, Stake 1.0 unfreezes
  await chain.send(a2, (tw) =>
    tw.transactionBuilder.delegateResource(
      100_000_000,
      receiver,
      "ENERGY",
      tw.defaultAddress.base58 as string,
    ),
  );
  await chain.send(a2, (tw) => tw.transactionBuilder.unfreezeBalanceV2(50_000_000, "ENERGY"));
  heights.push(chain.devnet.head());
  await chain.advanceTime(15 * DAY);
  await chain.send(a2, (tw) =>
    tw.transactionBuilder.withdrawExpireUnfreeze(tw.defaultAddress.base58 as string),
  );
  await chain.send(a2, (tw) => tw.transactionBuilder.unfreezeBalanceV2(25_000_000, "ENERGY"));
  await chain.send(a2, (tw) =>
    tw.transactionBuilder.cancelUnfreezeBalanceV2(tw.defaultAddress.base58 as string),
  );
  await chain.send(a2, (tw) =>
    tw.transactionBuilder.undelegateResource(
      40_000_000,
      receiver,
      "ENERGY",
      tw.defaultAddress.base58 as string,
    ),
  );
  await chain.send(a3, (tw) => tw.transactionBuilder.unfreezeBalance("BANDWIDTH"));
  await chain.send(a3, (tw) =>
    tw.transactionBuilder.unfreezeBalance("ENERGY", tw.defaultAddress.base58 as string, receiver),
  );
  await chain.send(a1, (tw) => tw.transactionBuilder.sendTrx(fresh.address.base58, 3_000_000));
  heights.push(chain.devnet.head());
  await chain.solidify();
}, 120_000);

afterAll(async () => {
  await indexer?.stop();
  await chain?.devnet.stop();
});

describe("snapshots against the devnet", () => {
  it("equal the devnet's oracle at every requested height, to the sun, for every account", async () => {
    const genesis = 6_599_990;
    for (const h of [genesis, ...heights]) await indexer.snapshotter.request({ height: h });
    for (const h of [genesis, ...heights]) {
      const done = await indexer.waitSnapshot(h);
      expect(done, `snapshot ${h}: ${JSON.stringify(done.failure)}`).toMatchObject({ status: "completed" });
      const ours = await snapshotRows(indexer.db, h);
      const truth = await chain.oracle(h);
      expect(ours.size).toBeGreaterThan(50);
      expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(truth));
    }
    // the activity really changed holdings between the heights
    const first = await snapshotRows(indexer.db, heights[0] as number);
    const last = await snapshotRows(indexer.db, heights[2] as number);
    expect(Object.fromEntries(first)).not.toEqual(Object.fromEntries(last));
  });

  it("resolves a time to the highest block at or before it, and one height is one snapshot", async () => {
    const h = heights[0] as number;
    const { rows } = await indexer.db.pool.query(
      "SELECT timestamp_ms FROM indexer.blocks WHERE number = $1",
      [h],
    );
    const at = new Date(Number(rows[0].timestamp_ms) + 1);
    const result = await indexer.snapshotter.request({ at });
    expect(result.height).toBe(h);
    await indexer.snapshotter.request({ height: h });
    const all = await indexer.db.pool.query(
      "SELECT height, status, attempts FROM indexer.snapshots WHERE height = $1",
      [h],
    );
    expect(all.rows).toEqual([{ height: BigInt(h), status: "completed", attempts: 1 }]);
  });

  it("records the BTT deposit to the watched address once, with its memo, through the outbox", async () => {
    const { rows } = await indexer.db.pool.query("SELECT * FROM indexer.deposits");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tx_id: depositTx,
      from_address: chain.accounts[0]?.address,
      to_address: custody,
      token_id: "1002000",
      amount: 7_000_000n,
      memo: "user-42 top-up",
    });
    const outbox = await indexer.db.pool.query(
      "SELECT topic, key, envelope FROM indexer.outbox WHERE topic = 'chain.deposits'",
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({ key: chain.accounts[0]?.address });
    expect(outbox.rows[0].envelope.payload).toMatchObject({
      txId: depositTx,
      amount: "7000000",
      memo: "user-42 top-up",
    });
    const completed = await indexer.db.pool.query(
      "SELECT key FROM indexer.outbox WHERE topic = 'indexer.snapshots' ORDER BY key",
    );
    expect(completed.rows.length).toBeGreaterThanOrEqual(4);
  });

  it("serves manifests, one holding, and the whole snapshot as CSV whose body hashes to contentHash", async () => {
    const prisma = createPrismaClient(indexer.db.url);
    const kafka = createKafka({ clientId: "indexer-test", brokers: testKafkaBrokers(), logger: silent });
    const app = createApp({
      logger: silent,
      prisma,
      kafka,
      indexer: {
        pool: indexer.db.pool,
        node: indexer.node,
        follower: indexer.follower,
        snapshotter: indexer.snapshotter,
      },
    });
    try {
      const h = heights[2] as number;
      const manifest = await request(app).get(`/snapshots/${h}`).expect(200);
      expect(manifest.body).toMatchObject({ height: h, status: "completed", failure: null });
      const csv = await request(app).get(`/snapshots/${h}/holdings`).set("Accept", "text/csv").expect(200);
      const [header, ...lines] = csv.text.split("\n");
      expect(header).toBe("address,liquid,frozenV1,frozenV2,unfreezing,total");
      const body = `${lines.join("\n")}`;
      expect(createHash("sha256").update(body).digest("hex")).toBe(manifest.body.contentHash);
      expect(lines.filter(Boolean)).toHaveLength(manifest.body.holders);
      const one = lines[0]?.split(",") ?? [];
      const holding = await request(app).get(`/snapshots/${h}/holdings/${one[0]}`).expect(200);
      expect(holding.body).toMatchObject({ address: one[0], height: h, liquid: one[1], total: one[5] });
      const page = await request(app).get(`/snapshots/${h}/holdings?limit=5`).expect(200);
      expect(page.body.items).toHaveLength(5);
      const next = await request(app)
        .get(`/snapshots/${h}/holdings?limit=5&cursor=${page.body.nextCursor}`)
        .expect(200);
      expect(next.body.items[0].address > page.body.items[4].address).toBe(true);
      await request(app).get(`/snapshots/${h}/holdings/TLyqzVGLV1srkB7dToTAEqgDSfPtXRJZYH`).expect(404);
      await request(app).get(`/snapshots/${h}/holdings/not-an-address`).expect(400);
      await request(app).post("/snapshots").send({ height: -1 }).expect(400);
      await request(app).post("/snapshots").send({ height: 5 }).expect(400);
      const status = await request(app).get("/chain/status").expect(200);
      expect(status.body.cursor.height).toBeGreaterThanOrEqual(h);
      expect(status.body.head).toBe(chain.devnet.head());
      expect(status.body.solidifiedHead).toBe(chain.devnet.solidHead());
      expect(status.body.base).toMatchObject({ height: 6_599_990 });
    } finally {
      await prisma.$disconnect();
    }
  });
});

/** A proxy in front of the devnet that lies in `rewrite` for the paths it names. */
async function lyingProxy(
  target: string,
  rewrite: (path: string, request: unknown, reply: Record<string, unknown>) => Record<string, unknown>,
): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": "application/json" },
      body: req.method === "GET" ? undefined : body,
    });
    let text = await upstream.text();
    const path = (req.url ?? "").split("?")[0] as string;
    try {
      const reply = JSON.parse(text);
      if (reply && typeof reply === "object" && !Array.isArray(reply)) {
        text = JSON.stringify(rewrite(path, body ? JSON.parse(body) : {}, reply));
      }
    } catch {
      // not JSON (NDJSON base state): pass through
    }
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Takes the snapshot at `height` through a node that lies as `rewrite` says; hands over the result. */
async function snapshotThroughLiar(
  rewrite: Parameters<typeof lyingProxy>[1],
  height: number,
  check: (done: { status: string; failure: unknown }, liar: TestIndexer) => Promise<void>,
): Promise<void> {
  const proxy = await lyingProxy(chain.devnet.url, rewrite);
  const liar = await startTestIndexer({
    nodeUrl: proxy.url,
    baseState: `${chain.devnet.url}/devnet/base-state`,
  });
  try {
    await liar.snapshotter.request({ height });
    await check(await liar.waitSnapshot(height), liar);
  } finally {
    await liar.stop();
    proxy.server.close();
  }
}

describe("a snapshot fails closed", () => {
  it("names the address whose balance the node reports differently", async () => {
    const victim = chain.accounts[3]?.address as string;
    const rewrite = (path: string, req: unknown, reply: Record<string, unknown>) => {
      const asked = (req as { account_identifier?: { address?: string } }).account_identifier?.address;
      return path === "/wallet/getaccountbalance" && asked === victim
        ? { ...reply, balance: Number(reply.balance) + 1 }
        : reply;
    };
    await snapshotThroughLiar(rewrite, heights[2] as number, async (done, liar) => {
      expect(done.status).toBe("failed");
      const failure = done.failure as {
        code: string;
        message: string;
        addresses: string[];
        mismatches: unknown[];
      };
      expect(failure.code).toBe("CROSS_CHECK_MISMATCH");
      expect(failure.addresses).toEqual([victim]);
      expect(failure.message).toContain(victim);
      expect(failure.mismatches).toEqual([
        expect.objectContaining({ address: victim, component: "liquid", source: "wallet/getaccountbalance" }),
      ]);
      const rows = await liar.db.pool.query("SELECT count(*)::int AS n FROM indexer.snapshot_holdings");
      expect(rows.rows[0].n).toBe(0);
      const published = await liar.db.pool.query(
        "SELECT count(*)::int AS n FROM indexer.outbox WHERE topic = 'indexer.snapshots'",
      );
      expect(published.rows[0].n).toBe(0);
    });
  });

  it("detects a node without balance history (0 with the requested block echoed back)", async () => {
    const rewrite = (path: string, req: unknown, reply: Record<string, unknown>) =>
      path === "/wallet/getaccountbalance"
        ? { balance: 0, block_identifier: (req as { block_identifier: unknown }).block_identifier }
        : reply;
    await snapshotThroughLiar(rewrite, heights[1] as number, async (done) => {
      expect(done.status).toBe("failed");
      expect(done.failure).toMatchObject({ code: "NODE_WITHOUT_HISTORY" });
      expect((done.failure as { message: string }).message).toContain("storage.balance.history.lookup");
    });
  });

  it("names the accounts whose frozen TRX differs in walletsolidity/getaccount", async () => {
    const victim = chain.accounts[2]?.address as string; // froze and unstaked Stake 2.0
    const rewrite = (path: string, req: unknown, reply: Record<string, unknown>) =>
      path === "/walletsolidity/getaccount" && (req as { address?: string }).address === victim
        ? { ...reply, delegated_frozenV2_balance_for_bandwidth: 5 }
        : reply;
    await snapshotThroughLiar(rewrite, heights[2] as number, async (done) => {
      expect(done.status).toBe("failed");
      expect(done.failure).toMatchObject({
        addresses: [victim],
        mismatches: [
          expect.objectContaining({
            address: victim,
            component: "frozenV2",
            source: "walletsolidity/getaccount",
          }),
        ],
      });
    });
  });
});
