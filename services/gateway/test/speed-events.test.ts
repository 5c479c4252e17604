import { randomUUID } from "node:crypto";
import { get as httpGet, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EventEnvelope } from "@btt/shared/events";
import { ErrorBody } from "@btt/shared/http";
import { waitFor } from "@btt/shared/testing";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SpeedEventsDeps } from "../src/http/speed-events-route.js";
import { AccountEventHub, type AccountEventLimits } from "../src/messaging/account-events.js";
import { type ProxyHarness, startProxyHarness } from "./proxy-harness.js";

const A = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const A_HEX = "415cbdd86a2fa8dc4bddd8a8f69dba48572eec07fb";
const B = "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H";
const C = "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw";

let h: ProxyHarness;
const servers: Server[] = [];
const streams: EventStream[] = [];
beforeAll(async () => {
  h = await startProxyHarness();
});
afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});
afterAll(async () => {
  await h?.close();
});

/** A gateway on a port with its own hub: streams are read with a plain HTTP client, not supertest. */
async function gateway(
  limits: AccountEventLimits = { maxPerAccount: 4, maxTotal: 10 },
  events: Partial<SpeedEventsDeps> = {},
): Promise<{ url: string; hub: AccountEventHub }> {
  const hub = new AccountEventHub(limits);
  const server = h.appWith({}, { speed: { events: { hub, ...events } } }).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hub };
}

interface EventStream {
  res: IncomingMessage;
  text(): string;
  /** The event frames received so far, parsed. */
  events(): { id: string; event: string; data: EventEnvelope }[];
  /** How the stream ended: "end" (closed by the server cleanly) or "aborted". */
  ended: Promise<"end" | "aborted">;
  close(): void;
}

async function openStream(url: string, options: { read?: boolean } = {}): Promise<EventStream> {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    httpGet(url, { headers: { Accept: "text/event-stream" } }, resolve).once("error", reject),
  );
  let text = "";
  const ended = new Promise<"end" | "aborted">((resolve) => {
    res.once("end", () => resolve("end"));
    res.once("aborted", () => resolve("aborted"));
    res.once("error", () => resolve("aborted"));
  });
  if (options.read === false) res.pause();
  else res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  const stream: EventStream = {
    res,
    text: () => text,
    events: () =>
      text
        .split("\n\n")
        .filter((frame) => frame.startsWith("id: "))
        .map((frame) => {
          const [id, event, data] = frame.split("\n");
          return {
            id: id?.slice(4) ?? "",
            event: event?.slice(7) ?? "",
            data: JSON.parse(data?.slice(6) ?? "null"),
          };
        }),
    ended,
    close: () => res.destroy(),
  };
  streams.push(stream);
  return stream;
}

function envelope(type: string, payload: unknown): EventEnvelope {
  return { id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), payload };
}

describe("GET /v1/speed/accounts/{address}/events", () => {
  it("opens a text/event-stream, subscribed under the base58 address whatever form came in", async () => {
    const { url, hub } = await gateway();
    const stream = await openStream(`${url}/v1/speed/accounts/${A_HEX}/events`);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(stream.res.headers["cache-control"]).toBe("no-cache, no-transform");
    expect(stream.res.headers["x-request-id"]).toBeTruthy();
    expect(hub.size(A)).toBe(1);
    await waitFor(() => (stream.text().startsWith("retry: ") ? true : undefined), 5_000, "the retry hint");
  });

  it("sends each account every event that concerns it (key, payload.account, effects), once, in order", async () => {
    const { url, hub } = await gateway();
    const [a, b] = [
      await openStream(`${url}/v1/speed/accounts/${A}/events`),
      await openStream(`${url}/v1/speed/accounts/${B}/events`),
    ];
    const voucher = envelope("command.accepted", {
      commandId: randomUUID(),
      commandType: "voucher",
      signer: A,
      account: A,
      effects: [
        { account: A, kind: "voucher", amount: "-2500000" },
        { account: B, kind: "voucher", amount: "2500000" },
      ],
      appliedAt: new Date().toISOString(),
    });
    const payeeBalance = envelope("balance.changed", {
      account: B,
      available: "2500000",
      locked: "0",
      cause: "voucher",
    });
    const grantToA = envelope("command.accepted", {
      commandId: randomUUID(),
      commandType: "grant",
      signer: C,
      account: C,
      effects: [{ account: A, kind: "grant", amount: "5" }],
      appliedAt: new Date().toISOString(),
    });
    const elsewhere = envelope("balance.changed", { account: C, available: "1", locked: "0", cause: "x" });
    hub.publish({ key: A, envelope: voucher });
    hub.publish({ key: B, envelope: payeeBalance });
    hub.publish({ key: C, envelope: grantToA });
    hub.publish({ key: C, envelope: elsewhere });

    await waitFor(() => (a.events().length >= 2 ? true : undefined), 5_000, "A's events");
    await waitFor(() => (b.events().length >= 2 ? true : undefined), 5_000, "B's events");
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing more arrives
    expect(a.events()).toEqual([
      { id: voucher.id, event: "command.accepted", data: voucher },
      { id: grantToA.id, event: "command.accepted", data: grantToA },
    ]);
    expect(b.events()).toEqual([
      { id: voucher.id, event: "command.accepted", data: voucher },
      { id: payeeBalance.id, event: "balance.changed", data: payeeBalance },
    ]);
  });

  it("sends a comment heartbeat on a quiet stream", async () => {
    const { url } = await gateway(undefined, { heartbeatMs: 50 });
    const stream = await openStream(`${url}/v1/speed/accounts/${A}/events`);
    await waitFor(
      () => (stream.text().split(": heartbeat\n\n").length > 2 ? true : undefined),
      5_000,
      "two heartbeats",
    );
    expect(stream.events()).toEqual([]);
  });

  it("forgets a stream when its client goes away", async () => {
    const { url, hub } = await gateway();
    const [first, second] = [
      await openStream(`${url}/v1/speed/accounts/${A}/events`),
      await openStream(`${url}/v1/speed/accounts/${A}/events`),
    ];
    expect(hub.size(A)).toBe(2);
    first.close();
    await waitFor(() => (hub.size(A) === 1 ? true : undefined), 5_000, "the stream forgotten");
    second.close();
    await waitFor(() => (hub.size() === 0 ? true : undefined), 5_000, "every stream forgotten");
  });

  it("answers 503 UNAVAILABLE with Retry-After past the per-account or the total limit", async () => {
    const { url, hub } = await gateway({ maxPerAccount: 2, maxTotal: 3 });
    const first = await openStream(`${url}/v1/speed/accounts/${A}/events`);
    await openStream(`${url}/v1/speed/accounts/${A}/events`);
    const perAccount = await request(url).get(`/v1/speed/accounts/${A}/events`).expect(503);
    expect(ErrorBody.parse(perAccount.body).error).toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringMatching(/too many event streams are open for/),
    });
    expect(perAccount.headers["retry-after"]).toBe("10");
    await openStream(`${url}/v1/speed/accounts/${B}/events`);
    const total = await request(url).get(`/v1/speed/accounts/${C}/events`).expect(503);
    expect(total.body.error.message).toMatch(/on this gateway/);
    expect(hub.size()).toBe(3);

    first.close();
    await waitFor(() => (hub.size(A) === 1 ? true : undefined), 5_000, "room again");
    const again = await openStream(`${url}/v1/speed/accounts/${A}/events`);
    expect(again.res.statusCode).toBe(200);
  });

  it("drops a client that stops reading instead of buffering for it; a reading client keeps its stream", async () => {
    const { url, hub } = await gateway();
    const stalled = await openStream(`${url}/v1/speed/accounts/${A}/events`, { read: false });
    const reading = await openStream(`${url}/v1/speed/accounts/${A}/events`);
    const padding = "x".repeat(16 * 1024);
    let published = 0;
    while (hub.size(A) === 2 && published < 5_000) {
      hub.publish({ key: A, envelope: envelope("balance.changed", { account: A, padding }) });
      published += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Dropped once the socket's buffers were full: at most the kernel's share, never the whole burst.
    expect(hub.size(A)).toBe(1);
    expect(published).toBeLessThan(5_000);
    stalled.res.resume();
    expect(await stalled.ended).toBe("aborted");
    await waitFor(
      () => (reading.events().length === published ? true : undefined),
      10_000,
      "every event on the reading stream",
    );
  }, 30_000);

  it("ends every stream cleanly when the gateway shuts down, and takes no new one", async () => {
    const { url, hub } = await gateway();
    const stream = await openStream(`${url}/v1/speed/accounts/${A}/events`);
    hub.closeAll();
    expect(await stream.ended).toBe("end");
    const refused = await request(url).get(`/v1/speed/accounts/${A}/events`).expect(503);
    expect(refused.body.error.message).toMatch(/shutting down/);
  });

  it.each([
    ["a bad address", `/v1/speed/accounts/TNotAnAddress/events`, "address"],
    ["an unknown query parameter", `/v1/speed/accounts/${A}/events?since=5`, "(body)"],
  ])("refuses %s with 400 VALIDATION_FAILED", async (_w, path, field) => {
    const res = await request(h.app).get(path).expect(400);
    const error = ErrorBody.parse(res.body).error;
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.map((d) => d.path)).toContain(field);
  });
});
