// The two peers bench/gateway measures the gateway against, each in its own process:
//
//   node bench/lib/gateway-peers.mjs upstream <port>
//     a trivial upstream: answers every GET /rounds/:id/entitlements/:address with one fixed
//     entitlement (the airdrop service's answer, 18 proof hashes), with no work behind it, so both
//     the gateway and the bare handler measure only themselves and one upstream HTTP call.
//
//   node bench/lib/gateway-peers.mjs bare <port> <upstream url> <kafka brokers>
//     the bare baseline: Express with no middleware, whose
//       GET  /v1/rounds/:id/entitlements/:address  makes the same upstream call the gateway makes
//            (global fetch, as the gateway's downstream client) and returns its JSON, and
//       POST /v1/speed/commands                    produces the same `speed.command@1` message
//            (the shared producer, acks from all in-sync replicas) and answers 202,
//     with none of the gateway's auth, validation, signature check, rate limits or logging.
//
// Each prints "ready" on stdout once listening.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT } from "../../infra/stack/lib/tools.mjs";

const [mode, portText, upstreamUrl, brokers] = process.argv.slice(2);
const port = Number(portText);

/** A realistic entitlement answer (API.md "Rounds and entitlements"): what the airdrop returns. */
const ENTITLEMENT = {
  roundId: "6f1c2b9a-3f5e-4c1d-9a7b-2d8e4f6a1b3c",
  address: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
  holding: { balance: "1234567890123", frozen: "5000000000", delegatedOut: "0", total: "1239567890123" },
  amount: "1187654321098765",
  leafIndex: 41_873,
  merkleRoot: `0x${"ab".repeat(32)}`,
  payout: { status: "confirmed", txids: [`${"cd".repeat(32)}`] },
  proof: Array.from({ length: 18 }, (_, i) => `0x${i.toString(16).padStart(2, "0").repeat(32)}`),
};

if (mode === "upstream") {
  const body = JSON.stringify(ENTITLEMENT);
  createServer((req, res) => {
    req.resume();
    if (req.method === "GET" && /^\/rounds\/[^/]+\/entitlements\/[^/]+$/.test(req.url ?? "")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"code":"NOT_FOUND","message":"no such route"}}');
    }
  }).listen(port, "127.0.0.1", () => console.log("ready"));
} else if (mode === "bare") {
  const express = createRequire(path.join(REPO_ROOT, "services/gateway/package.json"))("express");
  const shared = (p) => path.join(REPO_ROOT, "packages/shared/dist", p);
  const { createEventProducer, createKafka } = await import(shared("kafka/index.js"));
  const { createLogger } = await import(shared("logger/index.js"));
  const { commandAccount } = await import(shared("events/index.js"));
  const logger = createLogger({ service: "bench-bare", level: "warn", destination: process.stderr });
  const kafka = createKafka({ clientId: "bench-bare", brokers: brokers.split(","), logger });
  const producer = createEventProducer(kafka);
  await producer.connect();

  const app = express();
  app.get("/v1/rounds/:id/entitlements/:address", async (req, res) => {
    try {
      const upstream = await fetch(
        `${upstreamUrl}/rounds/${req.params.id}/entitlements/${req.params.address}`,
        {
          headers: { accept: "application/json" },
          signal: AbortSignal.timeout(5_000),
        },
      );
      res.status(upstream.status).json(JSON.parse(await upstream.text()));
    } catch (error) {
      res.status(503).json({ error: { code: "UNAVAILABLE", message: String(error) } });
    }
  });
  app.post("/v1/speed/commands", express.json(), async (req, res) => {
    const { command, signature } = req.body;
    try {
      await producer.publish([
        {
          topic: "speed.commands",
          key: commandAccount(command),
          event: "speed.command@1",
          payload: { command, signature, receivedAt: new Date().toISOString() },
        },
      ]);
      res.status(202).json({ commandId: command.id, status: "queued" });
    } catch (error) {
      res.status(503).json({ error: { code: "UNAVAILABLE", message: String(error) } });
    }
  });
  app.listen(port, "127.0.0.1", () => console.log("ready"));
} else {
  console.error("usage: gateway-peers.mjs upstream <port> | bare <port> <upstream url> <brokers>");
  process.exit(2);
}
