import { randomUUID } from "node:crypto";
import { ErrorBody } from "@btt/shared/http";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProxyRoute } from "../src/http/proxy-route.js";
import { grantIdFor, SPEED_LEDGER_ROUTES } from "../src/http/speed-ledger-routes.js";
import { ForwardedCommands } from "../src/messaging/forwarded-commands.js";
import { type Answer, closedPortUrl, type ReceivedRequest } from "./downstream-fixtures.js";
import {
  bearer,
  EXCHANGE,
  OPERATOR,
  OPERATOR_2,
  type ProxyHarness,
  startProxyHarness,
} from "./proxy-harness.js";

const ADDRESS = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const ADDRESS_HEX = "415cbdd86a2fa8dc4bddd8a8f69dba48572eec07fb";
const PAYEE = "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H";
const CHANNEL = "9f1c2b3a-4d5e-4f60-8a7b-6c5d4e3f2a10";
const WITHDRAWAL = "3a0c1d9e-2b4f-4c6a-8e1d-5f7a9b0c2d34";
const COMMAND = "0b6a3d0e-6c1f-4a53-9d0c-2f8e1a7b9c44";

const ACCOUNT = {
  address: ADDRESS,
  available: "7500000",
  locked: "2500000",
  earned: "0",
  spent: "2500000",
  rewards: "0",
  granted: "1000000",
  deposited: "11000000",
  withdrawn: "0",
  withdrawing: "0",
};
const CHANNEL_BODY = {
  id: CHANNEL,
  payer: ADDRESS,
  payee: PAYEE,
  lock: "5000000",
  paid: "2500000",
  bytes: "10485760",
  status: "open",
  expiresAt: "2031-01-01T00:00:00.000Z",
};
const WITHDRAWAL_BODY = {
  id: WITHDRAWAL,
  account: ADDRESS,
  amount: "1000000",
  to: PAYEE,
  status: "broadcast",
  txIds: ["ab".repeat(32)],
  reason: null,
};
const COMMAND_BODY = {
  commandId: COMMAND,
  type: "voucher",
  status: "accepted",
  effects: [
    { account: ADDRESS, kind: "voucher", amount: "-2500000" },
    { account: PAYEE, kind: "voucher", amount: "2500000" },
  ],
};
const STATEMENT = {
  items: [
    {
      seq: "1",
      at: "2031-01-01T00:00:00.000Z",
      kind: "deposit",
      amount: "11000000",
      balanceAfter: "11000000",
      ref: "cd".repeat(32),
    },
    {
      seq: "2",
      at: "2031-01-01T00:01:00.000Z",
      kind: "voucher",
      amount: "-2500000",
      balanceAfter: "8500000",
      ref: COMMAND,
    },
  ],
  nextCursor: "2",
};
const EPOCHS = {
  items: [
    {
      id: "2031-01-01",
      startsAt: "2031-01-01T00:00:00.000Z",
      endsAt: "2031-01-02T00:00:00.000Z",
      budget: "1000000",
      distributed: "999999",
      status: "paid",
      weights: [{ payee: PAYEE, weight: "2500000" }],
      payouts: [{ payee: PAYEE, amount: "999999" }],
    },
  ],
  nextCursor: null,
};
const CHECK = {
  ok: true,
  totals: { deposits: "11000000", liabilities: "11000000" },
  custodyOnChain: "11000000",
  drift: "0",
  invariants: [{ name: "balanced", ok: true }],
};
const GRANT_BODY = { address: ADDRESS_HEX, amount: "1000000", memo: "launch promotion" };

/** One valid request per route, the ledger path it must reach, and the ledger's answer. */
const SAMPLES: Record<
  string,
  { path: string; body?: object; downstream: string; status?: number; answer: unknown }
> = {
  "get /v1/speed/commands/{commandId}": {
    path: `/v1/speed/commands/${COMMAND}`,
    downstream: `/commands/${COMMAND}`,
    answer: COMMAND_BODY,
  },
  "get /v1/speed/accounts/{address}": {
    path: `/v1/speed/accounts/${ADDRESS_HEX}`,
    downstream: `/accounts/${ADDRESS}`,
    answer: ACCOUNT,
  },
  "get /v1/speed/accounts/{address}/statement": {
    path: `/v1/speed/accounts/${ADDRESS}/statement?limit=2&cursor=abc`,
    downstream: `/accounts/${ADDRESS}/statement?limit=2&cursor=abc`,
    answer: STATEMENT,
  },
  "get /v1/speed/accounts/{address}/channels": {
    path: `/v1/speed/accounts/${ADDRESS_HEX}/channels?status=open`,
    downstream: `/accounts/${ADDRESS}/channels?limit=100&status=open`,
    answer: { items: [CHANNEL_BODY], nextCursor: null },
  },
  "get /v1/speed/channels/{channelId}": {
    path: `/v1/speed/channels/${CHANNEL}`,
    downstream: `/channels/${CHANNEL}`,
    answer: CHANNEL_BODY,
  },
  "get /v1/speed/withdrawals/{id}": {
    path: `/v1/speed/withdrawals/${WITHDRAWAL}`,
    downstream: `/withdrawals/${WITHDRAWAL}`,
    answer: WITHDRAWAL_BODY,
  },
  "post /v1/speed/grants": {
    path: "/v1/speed/grants",
    body: GRANT_BODY,
    downstream: "/grants",
    status: 201,
    answer: {
      grantId: "filled in by the stub",
      address: ADDRESS,
      amount: "1000000",
      memo: "launch promotion",
      status: "applied",
      availableAfter: "8500000",
    },
  },
  "get /v1/speed/rewards/epochs": {
    path: "/v1/speed/rewards/epochs?limit=1",
    downstream: "/rewards/epochs?limit=1",
    answer: EPOCHS,
  },
  "get /v1/speed/ledger/check": {
    path: "/v1/speed/ledger/check",
    downstream: "/ledger/check",
    answer: CHECK,
  },
};

const sampleOf = (route: ProxyRoute) => {
  const sample = SAMPLES[`${route.method} ${route.path}`];
  if (!sample) throw new Error(`no sample request for ${route.method} ${route.path}`);
  return sample;
};

const json = (status: number, body: unknown): Answer => {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
};
const apiError = (status: number, code: string, message: string, details: unknown[] = []) =>
  json(status, { error: { code, message, details, requestId: "ledger-own-request-id" } });

/** Plays the ledger: each sample path gets its sample answer; a grant echoes its grant id. */
const answerSamples: Answer = (req, res) => {
  const sample = Object.values(SAMPLES).find((s) => s.downstream === req.url);
  if (!sample) return apiError(404, "NOT_FOUND", `no ${req.url}`)(req, res);
  const answer =
    req.url === "/grants"
      ? { ...(sample.answer as object), grantId: JSON.parse(req.body).grantId }
      : sample.answer;
  return json(sample.status ?? 200, answer)(req, res);
};

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.ledger.received.length = 0;
  h.ledger.answer = answerSamples;
});

function send(route: ProxyRoute, headers: Record<string, string> = {}) {
  const sample = sampleOf(route);
  const req = request(h.app)[route.method](sample.path).set(headers);
  return sample.body === undefined ? req : req.send(sample.body);
}
const grant = (key: string, idempotencyKey: string | undefined, body: object = GRANT_BODY) => {
  const req = request(h.app).post("/v1/speed/grants").set(bearer(key));
  return (idempotencyKey === undefined ? req : req.set("Idempotency-Key", idempotencyKey)).send(body);
};
const sentBody = (got: ReceivedRequest | undefined) => JSON.parse(got?.body ?? "null") as unknown;

describe("v1 speed routes: auth and role matrix", () => {
  it("has a sample for every route and serves API.md's Speed routes with API.md's roles", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(
      SPEED_LEDGER_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    const roles = Object.fromEntries(
      SPEED_LEDGER_ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.access]),
    );
    expect(roles).toEqual({
      "GET /v1/speed/commands/{commandId}": "public",
      "GET /v1/speed/accounts/{address}": "public",
      "GET /v1/speed/accounts/{address}/statement": "public",
      "GET /v1/speed/accounts/{address}/channels": "public",
      "GET /v1/speed/channels/{channelId}": "public",
      "GET /v1/speed/withdrawals/{id}": "public",
      "POST /v1/speed/grants": "operator",
      "GET /v1/speed/rewards/epochs": "exchange",
      "GET /v1/speed/ledger/check": "operator",
    });
  });

  it.each(SPEED_LEDGER_ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    "%s: keys, roles, the ledger path it reaches, and the ledger's answer as is",
    async (_name, route) => {
      const sample = sampleOf(route);
      const allowed =
        route.access === "public"
          ? [{}, bearer(EXCHANGE), bearer(OPERATOR)]
          : route.access === "exchange"
            ? [bearer(EXCHANGE), bearer(OPERATOR)]
            : [bearer(OPERATOR)];
      for (const headers of allowed) {
        const res = await send(route, { ...headers, "Idempotency-Key": randomUUID() });
        expect(res.status, res.text).toBe(sample.status ?? 200);
        expect(res.headers["content-type"]).toMatch(/application\/json/);
        if (route.method === "get") expect(res.body).toEqual(sample.answer);
      }
      expect(h.ledger.received).toHaveLength(allowed.length);
      for (const got of h.ledger.received) {
        expect(got.method).toBe(route.method.toUpperCase());
        expect(got.url).toBe(sample.downstream);
      }
      if (route.access === "public") return;

      h.ledger.received.length = 0;
      const refusals: [Record<string, string>, number, string][] = [
        [{}, 401, "UNAUTHENTICATED"],
        [bearer("op_not_a_real_key_0123456789abcdef"), 401, "UNAUTHENTICATED"],
      ];
      if (route.access === "operator") refusals.push([bearer(EXCHANGE), 403, "FORBIDDEN"]);
      for (const [headers, status, code] of refusals) {
        const res = await send(route, { ...headers, "Idempotency-Key": randomUUID() });
        expect(res.status).toBe(status);
        expect(ErrorBody.parse(res.body).error.code).toBe(code);
      }
      expect(h.ledger.received).toEqual([]);
    },
  );
});

describe("v1 speed routes: the ledger's errors, passed through", () => {
  it.each([
    ["a channel", `/v1/speed/channels/${CHANNEL}`, "no channel 9f1c…"],
    ["a withdrawal", `/v1/speed/withdrawals/${WITHDRAWAL}`, "no withdrawal 3a0c…"],
    ["a command the ledger never saw", `/v1/speed/commands/${COMMAND}`, "no command 0b6a…"],
  ])("404 NOT_FOUND for %s, in the gateway's error shape with its request id", async (_w, path, message) => {
    h.ledger.answer = apiError(404, "NOT_FOUND", message);
    const res = await request(h.app).get(path).expect(404);
    expect(ErrorBody.parse(res.body)).toEqual({
      error: { code: "NOT_FOUND", message, details: [], requestId: res.headers["x-request-id"] },
    });
  });

  it("422 INSUFFICIENT_FUNDS for a grant the promotions pool cannot cover, replayed as is", async () => {
    h.ledger.answer = apiError(422, "INSUFFICIENT_FUNDS", "the promotions pool holds 5");
    const first = await grant(OPERATOR, "grant-too-big").expect(422);
    expect(ErrorBody.parse(first.body).error).toMatchObject({
      code: "INSUFFICIENT_FUNDS",
      message: "the promotions pool holds 5",
    });
    const again = await grant(OPERATOR, "grant-too-big").expect(422);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(h.ledger.received).toHaveLength(1);
  });

  it("passes the ledger check's whole body, extra fields included, and a failing check too", async () => {
    const failing = { ...CHECK, ok: false, drift: "-5", invariants: [{ name: "balanced", ok: false }] };
    h.ledger.answer = json(200, failing);
    const res = await request(h.app).get("/v1/speed/ledger/check").set(bearer(OPERATOR)).expect(200);
    expect(res.body).toEqual(failing);
  });
});

describe("GET /v1/speed/commands/{commandId}: commands this gateway queued", () => {
  it("answers queued while the ledger has not seen a command this instance forwarded; 404 otherwise", async () => {
    const forwarded = new ForwardedCommands();
    const app = h.appWith({}, { speed: { forwarded } });
    h.ledger.answer = apiError(404, "NOT_FOUND", "no such command");
    const mine = randomUUID();
    forwarded.add(mine, "channel.open");
    const queued = await request(app).get(`/v1/speed/commands/${mine}`).expect(200);
    expect(queued.body).toEqual({ commandId: mine, type: "channel.open", status: "queued" });
    await request(app).get(`/v1/speed/commands/${randomUUID()}`).expect(404);
    // the ledger's own answer wins once it has one
    h.ledger.answer = json(200, { commandId: mine, type: "channel.open", status: "accepted", effects: [] });
    const accepted = await request(app).get(`/v1/speed/commands/${mine}`).expect(200);
    expect(accepted.body.status).toBe("accepted");
    // an outage is not taken for "queued"
    const down = h.appWith({ speedLedger: await closedPortUrl() }, { speed: { forwarded } });
    await request(down).get(`/v1/speed/commands/${mine}`).expect(503);
  });
});

describe("POST /v1/speed/grants", () => {
  it("requires Idempotency-Key (400 IDEMPOTENCY_KEY_REQUIRED) before the ledger sees anything", async () => {
    const res = await grant(OPERATOR, undefined).expect(400);
    expect(ErrorBody.parse(res.body).error.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    expect(h.ledger.received).toEqual([]);
  });

  it("sends the ledger a grant id derived from the key, the operator as actor, the address in base58", async () => {
    const res = await grant(OPERATOR, "grant-launch-1").expect(201);
    const grantId = grantIdFor(h.keyIds[OPERATOR] ?? "", "grant-launch-1");
    expect(grantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body).toEqual({
      grantId,
      address: ADDRESS,
      amount: "1000000",
      memo: "launch promotion",
      status: "applied",
      availableAfter: "8500000",
    });
    const got = h.ledger.received[0];
    expect(sentBody(got)).toEqual({
      grantId,
      address: ADDRESS,
      amount: "1000000",
      memo: "launch promotion",
      actor: h.keyIds[OPERATOR],
    });
    expect(got?.headers["x-actor-key-id"]).toBe(h.keyIds[OPERATOR]);
  });

  it("replays a retry without calling the ledger; another body is 409 IDEMPOTENCY_MISMATCH; keys are per operator", async () => {
    const first = await grant(OPERATOR, "grant-replay").expect(201);
    const again = await grant(OPERATOR, "grant-replay").expect(201);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(h.ledger.received).toHaveLength(1);

    const mismatch = await grant(OPERATOR, "grant-replay", { ...GRANT_BODY, amount: "2" }).expect(409);
    expect(ErrorBody.parse(mismatch.body).error.code).toBe("IDEMPOTENCY_MISMATCH");
    expect(h.ledger.received).toHaveLength(1);

    const other = await grant(OPERATOR_2, "grant-replay").expect(201);
    expect(other.body.grantId).not.toBe(first.body.grantId);
    expect(sentBody(h.ledger.received[1])).toMatchObject({ actor: h.keyIds[OPERATOR_2] });
  });

  it("retries after an outage with the same grant id, so the ledger can never apply it twice", async () => {
    const down = h.appWith({ speedLedger: await closedPortUrl() });
    const outage = await request(down)
      .post("/v1/speed/grants")
      .set(bearer(OPERATOR))
      .set("Idempotency-Key", "grant-after-outage")
      .send(GRANT_BODY)
      .expect(503);
    expect(outage.headers["retry-after"]).toBe("5");
    // the ledger applied it but its answer was lost: a retry carries the same id
    h.ledger.answer = (req, res) =>
      json(200, {
        ...(SAMPLES["post /v1/speed/grants"]?.answer as object),
        grantId: JSON.parse(req.body).grantId,
      })(req, res);
    await grant(OPERATOR, "grant-after-outage").expect(200);
    await grant(OPERATOR, "grant-after-outage-2").expect(200);
    const [retry, another] = h.ledger.received.map((r) => sentBody(r) as { grantId: string });
    expect(retry?.grantId).toBe(grantIdFor(h.keyIds[OPERATOR] ?? "", "grant-after-outage"));
    expect(another?.grantId).not.toBe(retry?.grantId);
  });
});

describe("v1 speed routes: validation at the edge", () => {
  const bad: [string, "get" | "post", string, object | undefined, string][] = [
    ["a bad address", "get", "/v1/speed/accounts/TNotAnAddress", undefined, "address"],
    [
      "a bad hex address",
      "get",
      `/v1/speed/accounts/${ADDRESS_HEX.slice(0, -2)}/statement`,
      undefined,
      "address",
    ],
    ["a bad channel id", "get", "/v1/speed/channels/42", undefined, "channelId"],
    ["a bad withdrawal id", "get", "/v1/speed/withdrawals/not-a-uuid", undefined, "id"],
    ["a bad command id", "get", "/v1/speed/commands/xyz", undefined, "commandId"],
    [
      "an unknown channel status",
      "get",
      `/v1/speed/accounts/${ADDRESS}/channels?status=gone`,
      undefined,
      "status",
    ],
    ["a limit over 1000", "get", `/v1/speed/accounts/${ADDRESS}/statement?limit=1001`, undefined, "limit"],
    ["a zero limit", "get", "/v1/speed/rewards/epochs?limit=0", undefined, "limit"],
    ["an unknown query parameter", "get", `/v1/speed/accounts/${ADDRESS}?verbose=1`, undefined, "(body)"],
    ["a grant's unknown field", "post", "/v1/speed/grants", { ...GRANT_BODY, to: PAYEE }, "(body)"],
    ["a grant amount as a number", "post", "/v1/speed/grants", { ...GRANT_BODY, amount: 5 }, "amount"],
    ["a zero grant", "post", "/v1/speed/grants", { ...GRANT_BODY, amount: "0" }, "amount"],
    ["a negative grant", "post", "/v1/speed/grants", { ...GRANT_BODY, amount: "-5" }, "amount"],
    ["a fractional grant", "post", "/v1/speed/grants", { ...GRANT_BODY, amount: "1.5" }, "amount"],
    ["a grant without a memo", "post", "/v1/speed/grants", { address: ADDRESS, amount: "5" }, "memo"],
    ["a blank memo", "post", "/v1/speed/grants", { ...GRANT_BODY, memo: "  " }, "memo"],
    ["a grant to a bad address", "post", "/v1/speed/grants", { ...GRANT_BODY, address: "T123" }, "address"],
  ];
  it.each(bad)(
    "refuses %s with 400 VALIDATION_FAILED before the ledger sees it",
    async (_w, method, path, body, field) => {
      let req = request(h.app)[method](path).set(bearer(OPERATOR));
      if (method === "post") req = req.set("Idempotency-Key", randomUUID());
      const res = await (body === undefined ? req : req.send(body));
      expect(res.status, res.text).toBe(400);
      const error = ErrorBody.parse(res.body).error;
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.details.map((d) => d.path)).toContain(field);
      expect(h.ledger.received).toEqual([]);
    },
  );
});

describe("v1 speed routes: an outage is 503 UNAVAILABLE with Retry-After", () => {
  it("answers 503 at once for every route when the ledger is down", async () => {
    const down = h.appWith({ speedLedger: await closedPortUrl() });
    for (const route of SPEED_LEDGER_ROUTES) {
      const sample = sampleOf(route);
      let req = request(down)
        [route.method](sample.path)
        .set(bearer(OPERATOR))
        .set("Idempotency-Key", randomUUID());
      if (sample.body) req = req.send(sample.body);
      const res = await req;
      expect(res.status, route.path).toBe(503);
      expect(ErrorBody.parse(res.body).error).toMatchObject({
        code: "UNAVAILABLE",
        message: expect.stringMatching(/speed-ledger service is unreachable/),
      });
      expect(res.headers["retry-after"]).toBe("5");
    }
  });

  it("answers 503 within the read deadline when the ledger never answers; the check gets the longer one", async () => {
    const app = h.appWith(
      {},
      { timeouts: { readMs: 150, writeMs: 2_000, streamStartMs: 150, streamIdleMs: 150 } },
    );
    h.ledger.answer = (req, res) => {
      setTimeout(() => answerSamples(req, res), 600);
    };
    const started = Date.now();
    const slow = await request(app).get(`/v1/speed/accounts/${ADDRESS}`).expect(503);
    expect(Date.now() - started).toBeLessThan(600);
    expect(slow.body.error.message).toMatch(/did not answer in time/);
    expect(slow.headers["retry-after"]).toBe("5");
    const check = await request(app).get("/v1/speed/ledger/check").set(bearer(OPERATOR)).expect(200);
    expect(check.body).toEqual(CHECK);
  });

  it("turns an answer that is not the API's into 503 UNAVAILABLE", async () => {
    h.ledger.answer = (_req, res) => {
      res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>");
    };
    const res = await request(h.app).get(`/v1/speed/accounts/${ADDRESS}`).expect(503);
    expect(ErrorBody.parse(res.body).error.code).toBe("UNAVAILABLE");
  });
});
