import { randomUUID } from "node:crypto";
import { get as httpGet, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type SignedSpeedCommand, SpeedCommandReceivedV1 } from "@btt/shared/events";
import { ErrorBody } from "@btt/shared/http";
import {
  type ConsumedEvent,
  createEventProducer,
  createKafka,
  type EventProducer,
  type RunningConsumer,
  runEventConsumer,
} from "@btt/shared/kafka";
import {
  createTestDatabase,
  SPEED_SIGNATURE_GOLDEN,
  type TestDatabase,
  testKafkaBrokers,
  waitFor,
} from "@btt/shared/testing";
import { silentLogger } from "@btt/shared/testing/service-basics";
import { signCommand } from "@btt/shared/tron";
import type { Express } from "express";
import request from "supertest";
import { TronWeb } from "tronweb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createPrismaClient, type PrismaClient } from "../src/data/prisma.js";
import { AccountEventHub } from "../src/messaging/account-events.js";
import { SpeedThroughput } from "../src/messaging/speed-throughput.js";
import { startVerdictConsumer, VerdictBoard } from "../src/messaging/verdicts.js";
import {
  type RecordingService,
  startRecordingService,
  UNREACHABLE_DOWNSTREAM,
} from "./downstream-fixtures.js";

// API.md's golden vector key: TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw.
const PAYER_KEY = "4444444444444444444444444444444444444444444444444444444444444444";
const PAYER = TronWeb.address.fromPrivateKey(PAYER_KEY) as string;
const PAYEE = "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H";
const NOW = 1_795_550_000_000;

const kafka = createKafka({
  clientId: "gateway-speed-test",
  brokers: testKafkaBrokers(),
  logger: silentLogger,
});
let producer: EventProducer;
let db: TestDatabase;
let prisma: PrismaClient;
let app: Express;
const consumers: RunningConsumer[] = [];
const queued: ConsumedEvent[] = [];
const accountEvents = new AccountEventHub();
/** Plays a speed ledger that has not consumed anything yet. */
let ledger: RecordingService;

function voucher(overrides: Record<string, string> = {}) {
  return {
    type: "voucher",
    domain: "btt-speed/v1/devnet",
    id: randomUUID(),
    notAfter: String(NOW + 60_000),
    channelId: randomUUID(),
    payer: PAYER,
    payee: PAYEE,
    cumulativeAmount: "2500000",
    cumulativeBytes: "10485760",
    infohash: "c9e15763f722f23e98a29decdfae341b98d53056",
    ...overrides,
  };
}

function signed(command: Record<string, string>, key = PAYER_KEY): SignedSpeedCommand {
  return { command, signature: signCommand(command, key) } as SignedSpeedCommand;
}

/** The throughput record's clock stands still until the test moves it (one bucket for everything). */
let throughputClockMs = Date.now();
const throughput = new SpeedThroughput(() => throughputClockMs);

beforeAll(async () => {
  producer = createEventProducer(kafka);
  await producer.connect();
  db = await createTestDatabase();
  prisma = createPrismaClient(db.url);
  const verdicts = new VerdictBoard();
  const verdictConsumer = await startVerdictConsumer({
    kafka,
    producer,
    board: verdicts,
    accountEvents,
    throughput,
    logger: silentLogger,
  });
  const commandsConsumer = await runEventConsumer({
    kafka,
    groupId: `speed-commands-test-${randomUUID()}`,
    topics: ["speed.commands"],
    fromBeginning: false,
    logger: silentLogger,
    producer,
    handle: async (event) => {
      queued.push(event);
    },
  });
  consumers.push(verdictConsumer, commandsConsumer);
  ledger = await startRecordingService();
  ledger.answer = (_req, res) => {
    res.writeHead(404, { "content-type": "application/json" }).end(
      JSON.stringify({
        error: { code: "NOT_FOUND", message: "no such command", details: [], requestId: "ledger" },
      }),
    );
  };
  await Promise.all([verdictConsumer.joined, commandsConsumer.joined]);
  app = createApp({
    logger: silentLogger,
    prisma,
    kafka,
    downstream: { ...UNREACHABLE_DOWNSTREAM, speedLedger: ledger.url },
    speed: {
      producer,
      verdicts,
      domain: "btt-speed/v1/devnet",
      now: () => NOW,
      events: { hub: accountEvents },
      throughput,
    },
  });
}, 60_000);

afterAll(async () => {
  for (const c of consumers) await c.stop();
  await ledger?.close();
  await producer?.disconnect();
  await prisma?.$disconnect();
  await db?.drop();
});

describe("POST /v1/speed/commands", () => {
  it("forwards a signed command verbatim to speed.commands, keyed by the payer, and answers 202", async () => {
    const body = signed(voucher());
    const res = await request(app).post("/v1/speed/commands").send(body).expect(202);
    expect(res.body).toEqual({ commandId: body.command.id, status: "queued" });
    const event = await waitFor(
      () => queued.find((e) => (e.envelope.payload as SignedSpeedCommand).command.id === body.command.id),
      20_000,
      "the command on Kafka",
    );
    expect(event.key).toBe(PAYER);
    const payload = SpeedCommandReceivedV1.parse(event.envelope.payload);
    expect(payload.command).toEqual(body.command);
    expect(payload.signature).toBe(body.signature);
    expect(payload.receivedAt).toBe(new Date(NOW).toISOString());
  });

  it("answers GET /v1/speed/commands/{id} queued for a command it forwarded that the ledger has not seen", async () => {
    const body = signed(voucher());
    await request(app).post("/v1/speed/commands").send(body).expect(202);
    const res = await request(app).get(`/v1/speed/commands/${body.command.id}`).expect(200);
    expect(res.body).toEqual({ commandId: body.command.id, type: "voucher", status: "queued" });
    expect(ledger.received.map((r) => r.url)).toEqual([`/commands/${body.command.id}`]);
    // refused commands were never queued
    const forged = signed(voucher(), "55".repeat(32));
    await request(app).post("/v1/speed/commands").send(forged).expect(401);
    await request(app).get(`/v1/speed/commands/${forged.command.id}`).expect(404);
  });

  it("sends concurrent commands in fewer produce requests (group commit), every one of them", async () => {
    const original = producer.sendRaw;
    let requests = 0;
    producer.sendRaw = (topic, messages) => {
      requests += 1;
      return original(topic, messages);
    };
    try {
      const bodies = Array.from({ length: 60 }, () => signed(voucher()));
      const answers = await Promise.all(
        bodies.map((body) => request(app).post("/v1/speed/commands").send(body)),
      );
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
      for (const body of bodies) {
        await waitFor(
          () => queued.find((e) => (e.envelope.payload as SignedSpeedCommand).command.id === body.command.id),
          20_000,
          `command ${body.command.id} on Kafka`,
        );
      }
      expect(requests).toBeGreaterThan(0);
      expect(requests).toBeLessThan(bodies.length);
    } finally {
      producer.sendRaw = original;
    }
  });

  it("answers 503 to every command of a produce request that fails, and recovers", async () => {
    const original = producer.sendRaw;
    producer.sendRaw = async () => {
      throw new Error("broker gone");
    };
    try {
      const res = await request(app).post("/v1/speed/commands").send(signed(voucher())).expect(503);
      expect(ErrorBody.parse(res.body).error.code).toBe("UNAVAILABLE");
      expect(res.headers["retry-after"]).toBe("2");
    } finally {
      producer.sendRaw = original;
    }
    await request(app).post("/v1/speed/commands").send(signed(voucher())).expect(202);
  });

  it("accepts API.md's golden vector signature", async () => {
    const golden = { command: SPEED_SIGNATURE_GOLDEN.command, signature: SPEED_SIGNATURE_GOLDEN.signature };
    await request(app).post("/v1/speed/commands").send(golden).expect(202);
  });

  it.each([
    ["a forged signature (another key)", () => signed(voucher(), "55".repeat(32)), 401, "INVALID_SIGNATURE"],
    [
      "a tampered amount",
      () => ({ ...signed(voucher()), command: { ...signed(voucher()).command, cumulativeAmount: "9" } }),
      401,
      "INVALID_SIGNATURE",
    ],
    [
      "another deployment's domain",
      () => signed(voucher({ domain: "btt-speed/v1/mainnet" })),
      400,
      "VALIDATION_FAILED",
    ],
    [
      "notAfter more than 24 h ahead",
      () => signed(voucher({ notAfter: String(NOW + 25 * 3600_000) })),
      400,
      "VALIDATION_FAILED",
    ],
    [
      "a number amount",
      () => ({ command: { ...voucher(), cumulativeAmount: 5 }, signature: `0x${"11".repeat(65)}` }),
      400,
      "VALIDATION_FAILED",
    ],
    ["an unknown field", () => ({ ...signed(voucher()), extra: true }), 400, "VALIDATION_FAILED"],
  ])("refuses %s at the edge and never queues it", async (_what, make, status, code) => {
    const body = make() as { command: { id: string } };
    const res = await request(app).post("/v1/speed/commands").send(body);
    expect(res.status).toBe(status);
    expect(ErrorBody.parse(res.body).error.code).toBe(code);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      queued.some((e) => (e.envelope.payload as SignedSpeedCommand).command.id === body.command.id),
    ).toBe(false);
  });

  it("with ?wait answers the ledger's verdict from speed.events, or 202 when none comes in time", async () => {
    const accepted = signed(voucher());
    const rejected = signed(voucher());
    // The ledger's side of the contract: verdicts on speed.events once the commands are queued.
    const answer = async () => {
      await waitFor(
        () =>
          queued.filter((e) =>
            [accepted.command.id, rejected.command.id].includes(
              (e.envelope.payload as SignedSpeedCommand).command.id,
            ),
          ).length === 2
            ? true
            : undefined,
        20_000,
        "both commands",
      );
      await producer.publish([
        {
          topic: "speed.events",
          key: PAYER,
          event: "command.accepted@1",
          payload: {
            commandId: accepted.command.id,
            commandType: "voucher",
            signer: PAYER,
            account: PAYER,
            effects: [],
            appliedAt: new Date(NOW).toISOString(),
          },
        },
        {
          topic: "speed.events",
          key: PAYER,
          event: "command.rejected@1",
          payload: {
            commandId: rejected.command.id,
            commandType: "voucher",
            signer: PAYER,
            account: PAYER,
            reason: "EXCEEDS_LOCK",
            message: "above the lock",
            rejectedAt: new Date(NOW).toISOString(),
          },
        },
      ]);
    };
    const [a, r] = await Promise.all([
      request(app).post("/v1/speed/commands?wait=5000").send(accepted),
      request(app).post("/v1/speed/commands?wait=5000").send(rejected),
      answer(),
    ]);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ commandId: accepted.command.id, status: "accepted" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ commandId: rejected.command.id, status: "rejected", reason: "EXCEEDS_LOCK" });

    const silent = signed(voucher());
    const timedOut = await request(app).post("/v1/speed/commands?wait=300").send(silent).expect(202);
    expect(timedOut.body).toEqual({ commandId: silent.command.id, status: "queued" });
    await request(app).post("/v1/speed/commands?wait=9000").send(signed(voucher())).expect(400);

    // GET /v1/speed/ledger/throughput's figures: both verdicts seen on speed.events, the two
    // answered ?wait calls timed, every forwarded command counted (a 400 is not forwarded).
    throughputClockMs += 1000;
    const report = throughput.report();
    expect(report.acceptedPerSecond).toBe(1);
    expect(report.rejectedPerSecond).toBe(1);
    expect(report.acceptanceLatencyMs?.samples).toBe(2);
    expect(report.forwardedPerSecond).toBeGreaterThanOrEqual(3);
  });
});

describe("GET /v1/speed/accounts/{address}/events through Kafka", () => {
  it("streams a speed.events message to the accounts it concerns as it is consumed", async () => {
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const open = (address: string) =>
      new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(`${url}/v1/speed/accounts/${address}/events`, resolve).once("error", reject),
      );
    const [payee, bystander] = [await open(PAYEE), await open("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8")];
    let payeeText = "";
    let bystanderText = "";
    payee.on("data", (chunk: Buffer) => (payeeText += chunk.toString("utf8")));
    bystander.on("data", (chunk: Buffer) => (bystanderText += chunk.toString("utf8")));
    try {
      const commandId = randomUUID();
      // Keyed by the payer: the payee hears of it through the effects.
      await producer.publish([
        {
          topic: "speed.events",
          key: PAYER,
          event: "command.accepted@1",
          payload: {
            commandId,
            commandType: "voucher",
            signer: PAYER,
            account: PAYER,
            effects: [
              { account: PAYER, kind: "voucher", amount: "-2500000" },
              { account: PAYEE, kind: "voucher", amount: "2500000" },
            ],
            appliedAt: new Date(NOW).toISOString(),
          },
        },
      ]);
      const frame = await waitFor(
        () => payeeText.split("\n\n").find((f) => f.startsWith("id: ")),
        20_000,
        "the event on the payee's stream",
      );
      const [id, event, data] = frame.split("\n");
      const envelope = JSON.parse(data?.slice("data: ".length) ?? "null");
      expect(event).toBe("event: command.accepted");
      expect(id).toBe(`id: ${envelope.id}`);
      expect(envelope).toMatchObject({ type: "command.accepted", version: 1, payload: { commandId } });
      expect(bystanderText).not.toContain(commandId);
    } finally {
      payee.destroy();
      bystander.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
