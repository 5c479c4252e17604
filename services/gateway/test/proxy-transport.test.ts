import { createHash } from "node:crypto";
import { get as httpGet, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorBody } from "@btt/shared/http";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerOk, closedPortUrl } from "./downstream-fixtures.js";
import { bearer, EXCHANGE, OPERATOR, type ProxyHarness, startProxyHarness } from "./proxy-harness.js";

const ROUND = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
const ROOT = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";
const CSV_HEADER = "address,liquid,frozen,unfreezing,total,amount,leafIndex,txId\n";
/** ~40 MB: far more than a proxy that buffered would want to hold, and many chunks. */
const CSV_ROWS = 500_000;

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  for (const service of [h.airdrop, h.indexer]) {
    service.received.length = 0;
    service.answer = answerOk;
  }
});

const apiError = (status: number, code: string, message: string, details: unknown[] = []) =>
  ((_req, res) => {
    res
      .writeHead(status, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { code, message, details, requestId: "airdrop-own-request-id" } }));
  }) as typeof answerOk;

describe("v1 proxy routes: the services' answers, passed through", () => {
  it("keeps a success's status and body", async () => {
    const round = { id: ROUND, pool: "990000000000000", status: "computing" };
    h.airdrop.answer = (_req, res) => {
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(round));
    };
    const res = await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR))
      .send({ scheduleEntryId: ROUND });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(round);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
  });

  it.each([
    [
      409,
      "STALE_ROOT",
      "0xabc is not the current root of round …",
      "post",
      `/v1/rounds/${ROUND}/approve`,
      { merkleRoot: ROOT },
    ],
    [
      409,
      "ALREADY_APPROVED",
      "this key already approved",
      "post",
      `/v1/rounds/${ROUND}/approve`,
      { merkleRoot: ROOT },
    ],
    [
      409,
      "NOTICE_PERIOD",
      "payout is 3 days away; notice is 7",
      "patch",
      `/v1/schedule/entries/${ROUND}`,
      { pool: "1", reason: "r" },
    ],
    [
      422,
      "BUDGET_EXCEEDED",
      "the event budget has 5 left",
      "post",
      "/v1/schedule/entries",
      { kind: "event", label: "x", payoutDate: "2031-01-01", snapshot: { height: 5 }, pool: "9" },
    ],
    [
      422,
      "CAP_EXCEEDED",
      "above the per-round cap",
      "post",
      "/v1/rounds",
      { kind: "event", label: "x", pool: "9", snapshotHeight: 5 },
    ],
    [
      409,
      "CONFLICT",
      "round is computing",
      "post",
      `/v1/rounds/${ROUND}/exclusions`,
      { address: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", reason: "r" },
    ],
  ] as const)(
    "%i %s arrives as %i %s in the gateway's error shape",
    async (status, code, message, method, path, body) => {
      h.airdrop.answer = apiError(status, code, message);
      const res = await request(h.app)[method](path).set(bearer(OPERATOR)).send(body);
      expect(res.status).toBe(status);
      expect(ErrorBody.parse(res.body)).toEqual({
        error: { code, message, details: [], requestId: res.headers["x-request-id"] },
      });
    },
  );

  it("keeps a 404's details (why an address has no entitlement)", async () => {
    const details = [{ path: "address", message: "excluded: exchange cold wallet" }];
    h.airdrop.answer = apiError(404, "NOT_FOUND", "no entitlement", details);
    const res = await request(h.app)
      .get(`/v1/rounds/${ROUND}/entitlements/TJRabPrwbZy45sbavfcjinPJC18kjpRTv8`)
      .set(bearer(EXCHANGE))
      .expect(404);
    expect(res.body.error).toEqual({
      code: "NOT_FOUND",
      message: "no entitlement",
      details,
      requestId: res.headers["x-request-id"],
    });
  });

  it("turns an answer that is not the API's (a proxy's 502 page, non-JSON) into 503 UNAVAILABLE", async () => {
    h.indexer.answer = (_req, res) => {
      res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>");
    };
    const res = await request(h.app).get("/v1/snapshots/5").set(bearer(EXCHANGE)).expect(503);
    expect(ErrorBody.parse(res.body).error.code).toBe("UNAVAILABLE");
    expect(res.headers["retry-after"]).toBe("5");
    h.indexer.answer = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end("{not json");
    };
    await request(h.app).get("/v1/snapshots/5").set(bearer(EXCHANGE)).expect(503);
  });
});

describe("v1 proxy routes: an outage is 503 UNAVAILABLE with Retry-After, never a hang", () => {
  it("answers 503 at once when a service is down, and the gateway stays ready", async () => {
    const down = await closedPortUrl();
    const app = h.appWith({ airdrop: down, indexer: down });
    for (const [path, key] of [
      ["/v1/schedule", undefined],
      [`/v1/rounds/${ROUND}`, EXCHANGE],
      [`/v1/rounds/${ROUND}/entitlements?format=csv`, EXCHANGE],
      ["/v1/snapshots", EXCHANGE],
    ] as const) {
      const req = request(app).get(path);
      const res = await (key ? req.set(bearer(key)) : req);
      expect(res.status, path).toBe(503);
      expect(ErrorBody.parse(res.body).error).toMatchObject({
        code: "UNAVAILABLE",
        message: expect.stringMatching(/unreachable/),
      });
      expect(res.headers["retry-after"]).toBe("5");
    }
    const write = await request(app)
      .post("/v1/snapshots")
      .set(bearer(OPERATOR))
      .send({ height: 1 })
      .expect(503);
    expect(write.body.error.message).toMatch(/indexer service is unreachable/);
  });

  it("answers 503 within the deadline when a service accepts but never answers", async () => {
    h.airdrop.answer = () => {
      /* never answers */
    };
    const started = Date.now();
    const res = await request(h.app).get("/v1/schedule").expect(503);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.body.error.message).toMatch(/did not answer in time/);
    expect(res.headers["retry-after"]).toBe("5");
    const stream = await request(h.app)
      .get(`/v1/rounds/${ROUND}/entitlements`)
      .set(bearer(EXCHANGE))
      .set("Accept", "text/csv")
      .expect(503);
    expect(stream.body.error.code).toBe("UNAVAILABLE");
  });
});

/** Starts the gateway on a port: streaming is observed with a plain HTTP client, not supertest. */
async function listening(): Promise<{ url: string; server: Server }> {
  const server = h.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function open(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => httpGet(url, { headers }, resolve).once("error", reject));
}

describe("v1 proxy routes: CSV exports stream through", () => {
  it("pipes a large entitlement table chunk by chunk, with its content type and X-Merkle-Root", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const expected = createHash("sha256");
    h.airdrop.answer = async (_req, res) => {
      res.writeHead(200, {
        "content-type": "text/csv; charset=utf-8",
        "x-merkle-root": ROOT,
        "x-internal": "secret",
      });
      res.write(CSV_HEADER);
      expected.update(CSV_HEADER);
      // The rest waits until the client has seen the first bytes: a buffering proxy never would.
      await released;
      for (let i = 0; i < CSV_ROWS; i += 1000) {
        let chunk = "";
        for (let j = i; j < i + 1000; j += 1)
          chunk += `TJRabPrwbZy45sbavfcjinPJC18kjpRTv8,${j}000000,5000000000,1000000,${j},525100,${j},\n`;
        expected.update(chunk);
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end();
    };
    const { url, server } = await listening();
    try {
      const res = await open(`${url}/v1/rounds/${ROUND}/entitlements`, {
        ...bearer(EXCHANGE),
        Accept: "text/csv",
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["x-merkle-root"]).toBe(ROOT);
      expect(res.headers["x-internal"]).toBeUndefined();
      expect(res.headers["x-request-id"]).toBeTruthy();
      const got = createHash("sha256");
      let bytes = 0;
      for await (const chunk of res) {
        if (bytes === 0) release();
        bytes += (chunk as Buffer).length;
        got.update(chunk as Buffer);
      }
      expect(bytes).toBeGreaterThan(30_000_000);
      expect(got.digest("hex")).toBe(expected.digest("hex"));
    } finally {
      server.close();
    }
    expect(h.airdrop.received.map((r) => [r.url, r.headers.accept])).toEqual([
      [`/rounds/${ROUND}/entitlements?format=csv`, "text/csv"],
    ]);
  }, 60_000);

  it("streams a snapshot's holdings as CSV (X-Content-Hash) or NDJSON, by ?format= or Accept", async () => {
    h.indexer.answer = (req, res) => {
      const csv = req.url.endsWith("format=csv");
      res.writeHead(200, {
        "content-type": csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        ...(csv ? { "x-content-hash": "ab".repeat(32) } : {}),
      });
      res.end(csv ? "address,liquid\nT1,5\n" : '{"address":"T1"}\n');
    };
    const csv = await request(h.app)
      .get("/v1/snapshots/9/holdings?format=csv")
      .set(bearer(EXCHANGE))
      .expect(200);
    expect(csv.headers["x-content-hash"]).toBe("ab".repeat(32));
    expect(csv.text).toBe("address,liquid\nT1,5\n");
    const byAccept = await request(h.app)
      .get("/v1/snapshots/9/holdings")
      .set(bearer(EXCHANGE))
      .set("Accept", "text/csv")
      .expect(200);
    expect(byAccept.text).toBe("address,liquid\nT1,5\n");
    const ndjson = await request(h.app)
      .get("/v1/snapshots/9/holdings?format=ndjson")
      .set(bearer(EXCHANGE))
      .expect(200);
    expect(ndjson.headers["content-type"]).toMatch(/application\/x-ndjson/);
    expect(ndjson.text).toBe('{"address":"T1"}\n');
    expect(h.indexer.received.map((r) => r.url)).toEqual([
      "/snapshots/9/holdings?format=csv",
      "/snapshots/9/holdings?format=csv",
      "/snapshots/9/holdings?format=ndjson",
    ]);
  });

  it("answers a refused export in the error shape (the table is not computed yet)", async () => {
    h.airdrop.answer = apiError(409, "CONFLICT", "round is computing; its table is not computed yet");
    const res = await request(h.app)
      .get(`/v1/rounds/${ROUND}/entitlements?format=csv`)
      .set(bearer(EXCHANGE))
      .expect(409);
    expect(ErrorBody.parse(res.body).error.code).toBe("CONFLICT");
  });

  it("cuts the connection when a stream stalls mid-way, rather than end a truncated table cleanly", async () => {
    h.airdrop.answer = (_req, res) => {
      res.writeHead(200, { "content-type": "text/csv" });
      res.write(CSV_HEADER);
      // …and then silence, past the idle deadline
    };
    const { url, server } = await listening();
    try {
      const res = await open(`${url}/v1/rounds/${ROUND}/entitlements?format=csv`, bearer(EXCHANGE));
      expect(res.statusCode).toBe(200);
      const outcome = await new Promise<string>((resolve) => {
        res.on("data", () => {});
        res.once("end", () => resolve("ended cleanly"));
        res.once("error", () => resolve("aborted"));
        res.once("aborted", () => resolve("aborted"));
      });
      expect(outcome).toBe("aborted");
    } finally {
      server.close();
    }
  });

  it("stops reading from the service when the client goes away", async () => {
    let serviceSawClose!: () => void;
    const closed = new Promise<void>((resolve) => {
      serviceSawClose = resolve;
    });
    h.airdrop.answer = async (_req, res) => {
      res.once("close", () => serviceSawClose());
      res.writeHead(200, { "content-type": "text/csv" });
      const row = `${"x".repeat(99)}\n`.repeat(1000);
      for (let i = 0; i < 100_000 && !res.destroyed; i += 1) {
        if (!res.write(row)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done).off("close", done);
              resolve();
            };
            res.on("drain", done).on("close", done);
          });
        }
      }
      res.end();
    };
    const { url, server } = await listening();
    try {
      const res = await open(`${url}/v1/rounds/${ROUND}/entitlements?format=csv`, bearer(EXCHANGE));
      await new Promise((resolve) => res.once("data", resolve));
      res.destroy();
      await closed; // the gateway closed its downstream request: no orphaned 10 GB export
    } finally {
      server.close();
    }
  });
});
