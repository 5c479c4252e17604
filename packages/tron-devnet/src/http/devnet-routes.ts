import { toBase58Address } from "@btt/shared/tron";
import type { Express, Request, Response } from "express";
import type { Chain } from "../chain/chain.js";
import { holdingsOf } from "../chain/state.js";
import type { Genesis } from "../genesis/types.js";
import { hexToBase58Check } from "../protocol/base58.js";
import { parseJsonBody } from "../protocol/json.js";

/**
 * The devnet-only namespace (fixed routes other packages' tests rely on). Nothing in a service
 * may depend on it: production nodes have no /devnet.
 */

function jsonBody(req: Request): Record<string, unknown> {
  const text = typeof req.body === "string" ? req.body.trim() : "";
  if (!text) return {};
  const parsed = parseJsonBody(text);
  return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
}

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

export function mountDevnetRoutes(
  app: Express,
  chain: Chain,
  genesis: Pick<Genesis, "developmentAccounts" | "assets">,
  mine: (blocks: number) => number,
): void {
  const bttId = genesis.assets[0]?.id ?? "1002000";
  // Only these two lists are kept: the Genesis object (and its generator's population plan) can
  // then be collected once the chain has loaded it.
  const developmentAccounts = [...genesis.developmentAccounts];

  app.get("/devnet/accounts", (_req, res) => {
    res.json(
      developmentAccounts.map((d) => {
        const a = chain.accounts.latest(d.address.toLowerCase());
        return {
          address: toBase58Address(d.address),
          privateKey: d.privateKey,
          trx: (a?.balance ?? 0n).toString(),
          btt: (a?.assets?.[bttId] ?? 0n).toString(),
        };
      }),
    );
  });

  app.post("/devnet/mine", (req, res) => {
    let body: Record<string, unknown>;
    try {
      body = jsonBody(req);
    } catch {
      return badRequest(res, "body must be JSON");
    }
    const blocks = body.blocks === undefined ? 1 : Number(body.blocks);
    if (!Number.isInteger(blocks) || blocks < 0 || blocks > 1_000_000) {
      return badRequest(res, "blocks must be an integer between 0 and 1000000");
    }
    res.json({ head: mine(blocks) });
  });

  // NDJSON, one account per line; accounts with total 0 (or not yet created at the height) are omitted.
  app.get("/devnet/holdings", async (req, res) => {
    const raw = req.query.height;
    const height = raw === undefined ? chain.head() : Number(raw);
    if (!Number.isInteger(height) || height < chain.genesisHeight || height > chain.head()) {
      return badRequest(res, `height must be an integer between ${chain.genesisHeight} and ${chain.head()}`);
    }
    await streamAccountLines(res, chain, height, (address, h) =>
      h.total === 0n
        ? null
        : JSON.stringify({
            address: hexToBase58Check(address),
            liquid: h.liquid.toString(),
            frozen: h.frozen.toString(),
            unfreezing: h.unfreezing.toString(),
            total: h.total.toString(),
          }),
    );
  });

  // The genesis population as the indexer's base-state file (services/indexer/src/chain/
  // base-state.ts): java-tron's genesis block cannot carry stakes, delegations or unstakes, so a
  // replaying indexer starts from this state at the genesis block instead of from transactions.
  app.get("/devnet/base-state", async (_req, res) => {
    const height = chain.genesisHeight;
    const block = chain.blockAt(height);
    if (!block) return badRequest(res, "no genesis block");
    const header = { format: "btt-indexer-base-state@1", height, blockId: block.id.toString("hex") };
    await streamAccountLines(
      res,
      chain,
      height,
      (address, h) =>
        h.total === 0n
          ? null
          : JSON.stringify({
              address: hexToBase58Check(address),
              liquid: h.liquid.toString(),
              frozenV1: h.frozenV1.toString(),
              frozenV2: h.frozenV2.toString(),
              unfreezing: h.unfreezing.toString(),
            }),
      JSON.stringify(header),
    );
  });

  app.post("/devnet/faults", (req, res) => {
    let body: Record<string, unknown>;
    try {
      body = jsonBody(req);
    } catch {
      return badRequest(res, "body must be JSON");
    }
    const next = { ...chain.faults };
    for (const key of ["dropBroadcastRate", "serverBusyRate"] as const) {
      if (body[key] === undefined) continue;
      const v = Number(body[key]);
      if (!(v >= 0 && v <= 1)) return badRequest(res, `${key} must be between 0 and 1`);
      next[key] = v;
    }
    if (body.latencyMs !== undefined) {
      const v = Number(body.latencyMs);
      if (!Number.isInteger(v) || v < 0 || v > 60_000) return badRequest(res, "latencyMs must be 0..60000");
      next.latencyMs = v;
    }
    chain.faults = next;
    res.json(next);
  });

  app.post("/devnet/time", (req, res) => {
    let body: Record<string, unknown>;
    try {
      body = jsonBody(req);
    } catch {
      return badRequest(res, "body must be JSON");
    }
    const advance = Number(body.advanceMs);
    if (!Number.isInteger(advance) || advance < 0)
      return badRequest(res, "advanceMs must be a non-negative integer");
    chain.advanceTime(advance);
    // One block seals the jump: TronWeb takes its reference block (and so every expiration) from
    // the head, so a head left at the old time would make every new transaction already expired.
    const block = chain.produceBlock();
    res.json({ now: block.timestamp, head: block.number });
  });
}

/**
 * Streams one NDJSON line per account existing at `height` (those `line` maps to null are left
 * out), with back-pressure, so a population of a million accounts never sits in memory as one
 * response.
 */
async function streamAccountLines(
  res: Response,
  chain: Chain,
  height: number,
  line: (address: string, holding: ReturnType<typeof holdingsOf>) => string | null,
  header?: string,
): Promise<void> {
  res.status(200).type("application/x-ndjson");
  // snapshot the key list: accounts created while streaming did not exist at `height` anyway
  const addresses = [...chain.accounts.addresses()];
  let chunk = header === undefined ? "" : `${header}\n`;
  for (const address of addresses) {
    const state = chain.accounts.at(address, height);
    if (!state) continue;
    const text = line(address, holdingsOf(state));
    if (text === null) continue;
    chunk += `${text}\n`;
    if (chunk.length > 64 * 1024) {
      const ok = res.write(chunk);
      chunk = "";
      if (!ok) await new Promise<void>((resolve) => res.once("drain", () => resolve()));
      if (res.destroyed) return;
    }
  }
  res.end(chunk);
}
