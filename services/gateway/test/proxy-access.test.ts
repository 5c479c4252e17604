import { ErrorBody } from "@btt/shared/http";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AIRDROP_ROUTES } from "../src/http/airdrop-routes.js";
import type { ProxyRoute } from "../src/http/proxy-route.js";
import { SNAPSHOT_ROUTES } from "../src/http/snapshot-routes.js";
import { answerOk } from "./downstream-fixtures.js";
import {
  bearer,
  EXCHANGE,
  OPERATOR,
  OPERATOR_2,
  type ProxyHarness,
  startProxyHarness,
} from "./proxy-harness.js";

const ROUND = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
const ENTRY = "0b7c1a52-3d7e-4c59-9a39-6f1d1c2b3a40";
const ADDRESS = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const ADDRESS_HEX = "415cbdd86a2fa8dc4bddd8a8f69dba48572eec07fb";
const ROOT = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";

/** One valid request per route, and the service path it must reach. */
const SAMPLES: Record<string, { path: string; body?: unknown; downstream: string }> = {
  "get /v1/schedule": { path: "/v1/schedule", downstream: "/schedule" },
  "get /v1/schedule/changes": {
    path: "/v1/schedule/changes?cursor=7",
    downstream: "/schedule/changes?limit=100&cursor=7",
  },
  "post /v1/schedule/entries": {
    path: "/v1/schedule/entries",
    body: {
      kind: "event",
      label: "Listing",
      payoutDate: "2031-02-03",
      snapshot: { at: "2031-02-01T00:00:00Z" },
      pool: "1000000000",
    },
    downstream: "/schedule/entries",
  },
  "patch /v1/schedule/entries/{id}": {
    path: `/v1/schedule/entries/${ENTRY}`,
    body: { pool: "5", reason: "typo in the pool", force: true },
    downstream: `/schedule/entries/${ENTRY}`,
  },
  "post /v1/rounds": { path: "/v1/rounds", body: { scheduleEntryId: ENTRY }, downstream: "/rounds" },
  "get /v1/rounds": {
    path: "/v1/rounds?status=computed&limit=5",
    downstream: "/rounds?limit=5&status=computed",
  },
  "get /v1/rounds/{id}": { path: `/v1/rounds/${ROUND}`, downstream: `/rounds/${ROUND}` },
  "get /v1/rounds/{id}/audit": { path: `/v1/rounds/${ROUND}/audit`, downstream: `/rounds/${ROUND}/audit` },
  "post /v1/rounds/{id}/exclusions": {
    path: `/v1/rounds/${ROUND}/exclusions`,
    body: { address: ADDRESS, reason: "exchange cold wallet" },
    downstream: `/rounds/${ROUND}/exclusions`,
  },
  "post /v1/rounds/{id}/approve": {
    path: `/v1/rounds/${ROUND}/approve`,
    body: { merkleRoot: ROOT },
    downstream: `/rounds/${ROUND}/approve`,
  },
  "post /v1/rounds/{id}/pause": {
    path: `/v1/rounds/${ROUND}/pause`,
    body: { reason: "node trouble" },
    downstream: `/rounds/${ROUND}/pause`,
  },
  "post /v1/rounds/{id}/resume": {
    path: `/v1/rounds/${ROUND}/resume`,
    body: { reason: "node back" },
    downstream: `/rounds/${ROUND}/resume`,
  },
  "post /v1/rounds/{id}/cancel": {
    path: `/v1/rounds/${ROUND}/cancel`,
    body: { reason: "wrong snapshot" },
    downstream: `/rounds/${ROUND}/cancel`,
  },
  "get /v1/rounds/{id}/entitlements/{address}": {
    path: `/v1/rounds/${ROUND}/entitlements/${ADDRESS_HEX}`,
    downstream: `/rounds/${ROUND}/entitlements/${ADDRESS}`,
  },
  "get /v1/rounds/{id}/entitlements": {
    path: `/v1/rounds/${ROUND}/entitlements?limit=2&cursor=1`,
    downstream: `/rounds/${ROUND}/entitlements?limit=2&cursor=1`,
  },
  "post /v1/rounds/{id}/entitlements/lookup": {
    path: `/v1/rounds/${ROUND}/entitlements/lookup`,
    body: { addresses: [ADDRESS] },
    downstream: `/rounds/${ROUND}/entitlements/lookup`,
  },
  "get /v1/entitlements/{address}": {
    path: `/v1/entitlements/${ADDRESS}`,
    downstream: `/entitlements/${ADDRESS}`,
  },
  "post /v1/snapshots": { path: "/v1/snapshots", body: { height: 1234 }, downstream: "/snapshots" },
  "get /v1/snapshots": { path: "/v1/snapshots", downstream: "/snapshots?limit=100" },
  "get /v1/snapshots/{height}": { path: "/v1/snapshots/1234", downstream: "/snapshots/1234" },
  "get /v1/snapshots/{height}/holdings/{address}": {
    path: `/v1/snapshots/1234/holdings/${ADDRESS}`,
    downstream: `/snapshots/1234/holdings/${ADDRESS}`,
  },
  "get /v1/snapshots/{height}/holdings": {
    path: "/v1/snapshots/1234/holdings?limit=1000",
    downstream: "/snapshots/1234/holdings?limit=1000",
  },
};

const ROUTES: ProxyRoute[] = [...AIRDROP_ROUTES, ...SNAPSHOT_ROUTES];
const serviceOf = (route: ProxyRoute) => (route.path.startsWith("/v1/snapshots") ? "indexer" : "airdrop");
const sampleOf = (route: ProxyRoute) => {
  const sample = SAMPLES[`${route.method} ${route.path}`];
  if (!sample) throw new Error(`no sample request for ${route.method} ${route.path}`);
  return sample;
};

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

function send(route: ProxyRoute, headers: Record<string, string> = {}, body = sampleOf(route).body) {
  const req = request(h.app)[route.method](sampleOf(route).path).set(headers);
  return body === undefined ? req : req.send(body as object);
}
const received = () => [...h.airdrop.received, ...h.indexer.received];

describe("v1 proxy routes: auth and role matrix", () => {
  it("has a sample for every route and serves API.md's routes with API.md's roles", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const roles = Object.fromEntries(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.access]));
    expect(roles).toEqual({
      "GET /v1/schedule": "public",
      "GET /v1/schedule/changes": "public",
      "POST /v1/schedule/entries": "operator",
      "PATCH /v1/schedule/entries/{id}": "operator",
      "POST /v1/snapshots": "operator",
      "GET /v1/snapshots": "exchange",
      "GET /v1/snapshots/{height}": "exchange",
      "GET /v1/snapshots/{height}/holdings/{address}": "exchange",
      "GET /v1/snapshots/{height}/holdings": "exchange",
      "POST /v1/rounds": "operator",
      "GET /v1/rounds": "exchange",
      "GET /v1/rounds/{id}": "exchange",
      "POST /v1/rounds/{id}/exclusions": "operator",
      "POST /v1/rounds/{id}/approve": "operator",
      "POST /v1/rounds/{id}/pause": "operator",
      "POST /v1/rounds/{id}/resume": "operator",
      "POST /v1/rounds/{id}/cancel": "operator",
      "GET /v1/rounds/{id}/entitlements/{address}": "exchange",
      "GET /v1/rounds/{id}/entitlements": "exchange",
      "POST /v1/rounds/{id}/entitlements/lookup": "exchange",
      "GET /v1/entitlements/{address}": "exchange",
      "GET /v1/rounds/{id}/audit": "operator",
    });
  });

  it.each(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    "%s: keys, roles, and the service path it reaches",
    async (_name, route) => {
      const service = serviceOf(route) === "indexer" ? h.indexer : h.airdrop;
      const allowed =
        route.access === "public"
          ? [{}, bearer(EXCHANGE), bearer(OPERATOR)]
          : route.access === "exchange"
            ? [bearer(EXCHANGE), bearer(OPERATOR)]
            : [bearer(OPERATOR)];
      for (const headers of allowed) {
        const res = await send(route, headers);
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual({ ok: true });
      }
      expect(service.received).toHaveLength(allowed.length);
      for (const got of service.received) {
        expect(got.method).toBe(route.method.toUpperCase());
        expect(got.url).toBe(sampleOf(route).downstream);
        if (route.method !== "get") expect(JSON.parse(got.body)).toEqual(sampleOf(route).body);
      }
      if (route.access === "public") return;

      service.received.length = 0;
      const refusals: [Record<string, string>, number, string][] = [
        [{}, 401, "UNAUTHENTICATED"],
        [bearer("op_not_a_real_key_0123456789abcdef"), 401, "UNAUTHENTICATED"],
      ];
      if (route.access === "operator") refusals.push([bearer(EXCHANGE), 403, "FORBIDDEN"]);
      for (const [headers, status, code] of refusals) {
        const res = await send(route, headers);
        expect(res.status).toBe(status);
        expect(ErrorBody.parse(res.body).error.code).toBe(code);
      }
      // A refused request never reaches the service.
      expect(received()).toEqual([]);
    },
  );
});

describe("v1 proxy routes: X-Actor-Key-Id", () => {
  it("names the authenticated operator key on operator actions; a client cannot set or forge it", async () => {
    for (const key of [OPERATOR, OPERATOR_2]) {
      await request(h.app)
        .post(`/v1/rounds/${ROUND}/approve`)
        .set(bearer(key))
        .set("X-Actor-Key-Id", "forged-key-id")
        .send({ merkleRoot: ROOT.toUpperCase() })
        .expect(200);
    }
    expect(h.airdrop.received.map((r) => r.headers["x-actor-key-id"])).toEqual([
      h.keyIds[OPERATOR],
      h.keyIds[OPERATOR_2],
    ]);
    expect(h.keyIds[OPERATOR]).not.toBe(h.keyIds[OPERATOR_2]);
    // the root is normalised to lower case on the way
    expect(JSON.parse(h.airdrop.received[0]?.body ?? "")).toEqual({ merkleRoot: ROOT });

    h.airdrop.received.length = 0;
    await request(h.app).get("/v1/schedule").set("X-Actor-Key-Id", "forged").expect(200);
    await request(h.app)
      .get(`/v1/rounds/${ROUND}`)
      .set(bearer(EXCHANGE))
      .set("X-Actor-Key-Id", "forged")
      .expect(200);
    await request(h.app)
      .get(`/v1/rounds/${ROUND}`)
      .set(bearer(OPERATOR))
      .set("X-Actor-Key-Id", "forged")
      .expect(200);
    for (const got of h.airdrop.received) expect(got.headers["x-actor-key-id"]).toBeUndefined();
  });

  it("forwards the gateway's request id, and no client header besides", async () => {
    const res = await request(h.app)
      .get(`/v1/rounds/${ROUND}`)
      .set(bearer(EXCHANGE))
      .set("Cookie", "session=1")
      .set("X-Forwarded-For", "10.0.0.1")
      .expect(200);
    const got = h.airdrop.received[0];
    expect(got?.headers["x-request-id"]).toBe(res.headers["x-request-id"]);
    expect(got?.headers.authorization).toBeUndefined();
    expect(got?.headers.cookie).toBeUndefined();
    expect(got?.headers["x-forwarded-for"]).toBeUndefined();
  });

  it("forwards addresses in base58, whatever form they came in", async () => {
    await request(h.app)
      .post(`/v1/rounds/${ROUND}/entitlements/lookup`)
      .set(bearer(EXCHANGE))
      .send({ addresses: [ADDRESS_HEX, ADDRESS] })
      .expect(200);
    expect(JSON.parse(h.airdrop.received[0]?.body ?? "")).toEqual({ addresses: [ADDRESS, ADDRESS] });
  });
});

describe("v1 proxy routes: validation at the edge", () => {
  const bad: [string, "get" | "post" | "patch", string, unknown, string][] = [
    ["an unknown body field", "post", "/v1/rounds", { scheduleEntryId: ENTRY, extra: 1 }, "(body)"],
    [
      "an amount as a JSON number",
      "post",
      "/v1/schedule/entries",
      { ...(SAMPLES["post /v1/schedule/entries"]?.body as object), pool: 1000 },
      "pool",
    ],
    ["a fractional amount", "patch", `/v1/schedule/entries/${ENTRY}`, { pool: "1.5", reason: "x" }, "pool"],
    [
      "a negative amount",
      "post",
      "/v1/rounds",
      { kind: "event", label: "x", pool: "-5", snapshotHeight: 1 },
      "pool",
    ],
    ["a patch without a reason", "patch", `/v1/schedule/entries/${ENTRY}`, { pool: "5" }, "reason"],
    [
      "both height and time",
      "post",
      "/v1/schedule/entries",
      {
        ...(SAMPLES["post /v1/schedule/entries"]?.body as object),
        snapshot: { height: 1, at: "2031-01-01T00:00:00Z" },
      },
      "snapshot",
    ],
    ["a bad entry id", "patch", "/v1/schedule/entries/42", { reason: "x" }, "id"],
    ["a bad round id", "post", "/v1/rounds/not-a-round/approve", { merkleRoot: ROOT }, "id"],
    ["a short Merkle root", "post", `/v1/rounds/${ROUND}/approve`, { merkleRoot: "abc" }, "merkleRoot"],
    [
      "a bad address",
      "post",
      `/v1/rounds/${ROUND}/exclusions`,
      { address: "TNotAnAddress", reason: "x" },
      "address",
    ],
    ["an empty reason", "post", `/v1/rounds/${ROUND}/pause`, { reason: " " }, "reason"],
    [
      "too many addresses",
      "post",
      `/v1/rounds/${ROUND}/entitlements/lookup`,
      { addresses: Array(1001).fill(ADDRESS) },
      "addresses",
    ],
    [
      "a snapshot by height and time",
      "post",
      "/v1/snapshots",
      { height: 1, at: "2031-01-01T00:00:00Z" },
      "(body)",
    ],
    ["a negative height", "post", "/v1/snapshots", { height: -1 }, "height"],
    ["a bad address in a path", "get", `/v1/entitlements/T123`, undefined, "address"],
    ["a bad height in a path", "get", "/v1/snapshots/12x", undefined, "height"],
    ["a limit over 1000", "get", "/v1/snapshots?limit=1001", undefined, "limit"],
    ["an unknown status", "get", "/v1/rounds?status=bogus", undefined, "status"],
    ["an unknown query parameter", "get", "/v1/schedule?verbose=1", undefined, "(body)"],
    ["an unknown format", "get", `/v1/rounds/${ROUND}/entitlements?format=xml`, undefined, "format"],
  ];
  it.each(bad)(
    "refuses %s with 400 VALIDATION_FAILED before the service sees it",
    async (_w, method, path, body, field) => {
      const req = request(h.app)[method](path).set(bearer(OPERATOR));
      const res = await (body === undefined ? req : req.send(body as object));
      expect(res.status, res.text).toBe(400);
      const error = ErrorBody.parse(res.body).error;
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.details.map((d) => d.path)).toContain(field);
      expect(received()).toEqual([]);
    },
  );

  it("refuses malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR))
      .set("Content-Type", "application/json")
      .send('{"scheduleEntryId":')
      .expect(400);
    expect(ErrorBody.parse(res.body).error.code).toBe("MALFORMED_JSON");
    expect(received()).toEqual([]);
  });
});

describe("v1 proxy routes: Idempotency-Key on operator POSTs", () => {
  it("replays the first answer without calling the service again; another body is 409 IDEMPOTENCY_MISMATCH", async () => {
    let created = 0;
    h.airdrop.answer = (_req, res) => {
      created += 1;
      res
        .writeHead(201, { "content-type": "application/json" })
        .end(JSON.stringify({ id: ROUND, n: created }));
    };
    const body = { kind: "event", label: "Listing bonus", pool: "1000000", snapshotHeight: 77 };
    const first = await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR))
      .set("Idempotency-Key", "round-listing-1")
      .send(body)
      .expect(201);
    expect(first.body).toEqual({ id: ROUND, n: 1 });
    const again = await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR))
      .set("Idempotency-Key", "round-listing-1")
      .send(body)
      .expect(201);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(h.airdrop.received).toHaveLength(1);

    const mismatch = await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR))
      .set("Idempotency-Key", "round-listing-1")
      .send({ ...body, pool: "2000000" })
      .expect(409);
    expect(ErrorBody.parse(mismatch.body).error.code).toBe("IDEMPOTENCY_MISMATCH");
    // Keys are per API key: another operator's same key is a new request.
    await request(h.app)
      .post("/v1/rounds")
      .set(bearer(OPERATOR_2))
      .set("Idempotency-Key", "round-listing-1")
      .send(body)
      .expect(201);
    expect(h.airdrop.received).toHaveLength(2);
  });

  it("keeps a service's refusal (replayed as is) but not an outage (a retry reaches the service)", async () => {
    h.airdrop.answer = (_req, res) => {
      res.writeHead(409, { "content-type": "application/json" }).end(
        JSON.stringify({
          error: { code: "STALE_ROOT", message: "not the current root", details: [], requestId: "x" },
        }),
      );
    };
    const approve = (key: string) =>
      request(h.app)
        .post(`/v1/rounds/${ROUND}/approve`)
        .set(bearer(OPERATOR))
        .set("Idempotency-Key", key)
        .send({ merkleRoot: ROOT });
    const refused = await approve("approve-1").expect(409);
    const replayed = await approve("approve-1").expect(409);
    expect(replayed.headers["idempotency-replayed"]).toBe("true");
    expect(replayed.body.error.code).toBe("STALE_ROOT");
    expect(replayed.body).toEqual(refused.body);
    expect(h.airdrop.received).toHaveLength(1);

    h.airdrop.answer = (_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "9" }).end(
        JSON.stringify({
          error: { code: "UNAVAILABLE", message: "database down", details: [], requestId: "x" },
        }),
      );
    };
    const down = await approve("approve-2").expect(503);
    expect(down.headers["retry-after"]).toBe("9");
    h.airdrop.answer = answerOk;
    const retried = await approve("approve-2").expect(200);
    expect(retried.headers["idempotency-replayed"]).toBeUndefined();
    expect(h.airdrop.received).toHaveLength(3);
  });
});
