import type { Pool } from "@btt/shared/db";
import { isUniqueViolation } from "@btt/shared/errors";
import { parseInput } from "@btt/shared/http";
import { parseBaseUnits } from "@btt/shared/money";
import { StrictBase58Address } from "@btt/shared/tron";
import { type Express, Router } from "express";
import { z } from "zod";
import { applyGrant } from "../ledger/grants.js";
import type { LedgerQueries } from "../ledger/queries.js";
import type { Reconciler } from "../reconciliation/reconciler.js";

/**
 * The ledger's internal API, behind the gateway's /v1/speed/… routes: the same paths without the
 * prefix and the bodies of API.md. Commands arrive through Kafka only; the one write here is an
 * operator grant (the gateway checks the operator key and the Idempotency-Key).
 */

export interface LedgerRouteDeps {
  pool: Pool;
  queries: LedgerQueries;
  reconciler: Reconciler;
}

const Address = z.object({ address: StrictBase58Address }).strict();
const Id = z.object({ id: z.uuid({ error: "must be a UUID" }) }).strict();
const Page = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional(),
  })
  .strict();
const ChannelPage = Page.extend({ status: z.enum(["open", "closed", "expired"]).optional() }).strict();
const Grant = z
  .object({
    grantId: z.uuid(),
    address: StrictBase58Address,
    amount: z
      .string()
      .regex(/^[1-9][0-9]{0,18}$/, { error: "must be a positive whole number of base units, as a string" })
      .transform((v) => parseBaseUnits(v))
      .refine((v) => v < 1n << 63n, { error: "must be below 2^63" }),
    memo: z.string().max(500),
    actor: z.string().min(1).max(200),
  })
  .strict();

export function mountLedgerRoutes(app: Express, deps: LedgerRouteDeps): void {
  const router = Router();
  const { queries } = deps;

  router.get("/accounts/:address", async (req, res) => {
    const { address } = parseInput(Address, req.params, "path");
    res.json(await queries.account(address));
  });
  router.get("/accounts/:address/statement", async (req, res) => {
    const { address } = parseInput(Address, req.params, "path");
    const page = parseInput(Page, req.query, "query");
    res.json(await queries.statement(address, page.limit, page.cursor));
  });
  router.get("/accounts/:address/channels", async (req, res) => {
    const { address } = parseInput(Address, req.params, "path");
    const page = parseInput(ChannelPage, req.query, "query");
    res.json(await queries.channels(address, page.status, page.limit, page.cursor));
  });
  router.get("/channels/:id", async (req, res) => {
    const { id } = parseInput(Id, req.params, "path");
    res.json(await queries.channel(id));
  });
  router.get("/withdrawals/:id", async (req, res) => {
    const { id } = parseInput(Id, req.params, "path");
    res.json(await queries.withdrawal(id));
  });
  router.get("/commands/:id", async (req, res) => {
    const { id } = parseInput(Id, req.params, "path");
    res.json(await queries.command(id));
  });
  router.get("/rewards/epochs", async (req, res) => {
    const page = parseInput(Page, req.query, "query");
    res.json(await queries.rewardEpochs(page.limit, page.cursor));
  });
  router.get("/ledger/check", async (_req, res) => {
    const result = await deps.reconciler.evaluate();
    res.json(result);
  });
  router.post("/grants", async (req, res) => {
    const grant = parseInput(Grant, req.body, "body");
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { created, ...result } = await applyGrant(deps.pool, grant);
        res.status(created ? 201 : 200).json(result);
        return;
      } catch (error) {
        // Two copies of one grant racing: the loser's insert fails; answer with the winner's result.
        if (isUniqueViolation(error) && attempt < 2) continue;
        throw error;
      }
    }
  });
  app.use(router);
}
