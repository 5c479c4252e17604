import { AppError } from "@btt/shared/errors";
import { parseInput } from "@btt/shared/http";
import { parseBaseUnits } from "@btt/shared/money";
import { TronAddress } from "@btt/shared/tron";
import { type Express, type Request, Router } from "express";
import { z } from "zod";
import type { EntitlementQueries } from "../rounds/entitlement-queries.js";
import type { RoundService } from "../rounds/round-service.js";
import type { ScheduleService } from "../schedule/schedule-service.js";

/**
 * The airdrop's internal API, behind the gateway's /v1/schedule…, /v1/rounds…, /v1/entitlements…
 * (shapes in API.md). The gateway authenticates operators and names the acting key in
 * `X-Actor-Key-Id`; approvals count distinct keys, so they require it.
 */

export interface AirdropRouteDeps {
  schedule: ScheduleService;
  rounds: RoundService;
  entitlements: EntitlementQueries;
  /** Called after an operator action so the round worker acts at once. */
  poke: () => void;
}

const Amount = z
  .string()
  .regex(/^[1-9][0-9]{0,30}$/, { error: "must be a positive whole number of base units, as a string" })
  .transform((value) => parseBaseUnits(value));
const IsoDate = z.iso.date({ error: "must be a date YYYY-MM-DD" });
const Snapshot = z
  .object({
    height: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable().default(null),
    at: z.iso.datetime({ offset: true }).nullable().default(null),
  })
  .strict()
  .refine((s) => (s.height === null) !== (s.at === null), { error: "give exactly one of height and at" });
const Reason = z.string().trim().min(1).max(500);
const RoundId = z.uuid({ error: "must be a round id (UUID)" });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  status: z.string().max(40).optional(),
  format: z.enum(["json", "csv"]).optional(),
});

const NewEntry = z
  .object({
    kind: z.enum(["event", "monthly"]),
    label: z.string().trim().min(1).max(200),
    payoutDate: IsoDate,
    snapshot: Snapshot,
    pool: Amount,
    reason: Reason.optional(),
    force: z.boolean().optional(),
  })
  .strict();

const EntryPatch = z
  .object({
    pool: Amount.optional(),
    payoutDate: IsoDate.optional(),
    snapshot: Snapshot.optional(),
    status: z.literal("cancelled").optional(),
    reason: Reason,
    force: z.boolean().optional(),
  })
  .strict();

const NewRound = z.union([
  z.object({ scheduleEntryId: z.uuid(), dryRun: z.boolean().optional() }).strict(),
  z
    .object({
      kind: z.literal("event"),
      label: z.string().trim().min(1).max(200),
      pool: Amount,
      snapshotHeight: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      exclusions: z
        .array(z.object({ address: TronAddress, reason: Reason }).strict())
        .max(1000)
        .optional(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
]);

const ExclusionBody = z.object({ address: TronAddress, reason: Reason }).strict();
const ApproveBody = z
  .object({ merkleRoot: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 hex" }) })
  .strict();
const ReasonBody = z.object({ reason: Reason }).strict();
const LookupBody = z.object({ addresses: z.array(TronAddress).min(1).max(1000) }).strict();

function actor(req: Request, required = false): string {
  const value = req.get("x-actor-key-id");
  if (value && /^[A-Za-z0-9._:-]{1,100}$/.test(value)) return value;
  if (required) {
    throw new AppError("UNAUTHENTICATED", "this action needs the acting operator key (X-Actor-Key-Id)");
  }
  return "internal";
}

export function mountAirdropRoutes(app: Express, deps: AirdropRouteDeps): void {
  const router = Router();
  const { schedule, rounds, entitlements } = deps;

  router.get("/schedule", async (_req, res) => {
    res.json(await schedule.list());
  });
  router.get("/schedule/changes", async (req, res) => {
    const page = parseInput(Page, req.query, "query");
    res.json(await schedule.changes(page.limit, page.cursor));
  });
  router.post("/schedule/entries", async (req, res) => {
    const body = parseInput(NewEntry, req.body, "body");
    res.status(201).json(await schedule.add(body, actor(req)));
  });
  router.patch("/schedule/entries/:id", async (req, res) => {
    const id = parseInput(z.uuid(), req.params.id, "entry id");
    const body = parseInput(EntryPatch, req.body, "body");
    res.json(await schedule.edit(id, body, actor(req)));
  });

  router.post("/rounds", async (req, res) => {
    const body = parseInput(NewRound, req.body, "body");
    const round = await rounds.create(body, actor(req));
    deps.poke();
    res.status(201).json(round);
  });
  router.get("/rounds", async (req, res) => {
    const page = parseInput(Page, req.query, "query");
    res.json(await rounds.list(page.status, page.limit, page.cursor));
  });
  router.get("/rounds/:id", async (req, res) => {
    res.json(await rounds.get(parseInput(RoundId, req.params.id, "round id")));
  });
  router.get("/rounds/:id/audit", async (req, res) => {
    res.json(await rounds.auditLog(parseInput(RoundId, req.params.id, "round id")));
  });
  router.post("/rounds/:id/exclusions", async (req, res) => {
    const id = parseInput(RoundId, req.params.id, "round id");
    const body = parseInput(ExclusionBody, req.body, "body");
    await rounds.exclude(id, body, actor(req));
    deps.poke();
    res.json(await rounds.get(id));
  });
  router.post("/rounds/:id/approve", async (req, res) => {
    const id = parseInput(RoundId, req.params.id, "round id");
    const body = parseInput(ApproveBody, req.body, "body");
    const round = await rounds.approve(id, body.merkleRoot, actor(req, true));
    deps.poke();
    res.json(round);
  });
  for (const action of ["pause", "resume", "cancel"] as const) {
    router.post(`/rounds/:id/${action}`, async (req, res) => {
      const id = parseInput(RoundId, req.params.id, "round id");
      const body = parseInput(ReasonBody, req.body, "body");
      const round = await rounds[action](id, body.reason, actor(req));
      deps.poke();
      res.json(round);
    });
  }

  router.get("/rounds/:id/entitlements/:address", async (req, res) => {
    const id = parseInput(RoundId, req.params.id, "round id");
    const address = parseInput(TronAddress, req.params.address, "address");
    res.json(await entitlements.one(id, address));
  });
  router.get("/rounds/:id/entitlements", async (req, res) => {
    const id = parseInput(RoundId, req.params.id, "round id");
    const page = parseInput(Page, req.query, "query");
    const format = page.format ?? (req.accepts(["application/json", "text/csv"]) || "json");
    if (format === "csv" || format === "text/csv") {
      await entitlements.csv(id, res);
      return;
    }
    res.json(await entitlements.page(id, page.limit, page.cursor));
  });
  router.post("/rounds/:id/entitlements/lookup", async (req, res) => {
    const id = parseInput(RoundId, req.params.id, "round id");
    const body = parseInput(LookupBody, req.body, "body");
    res.json(await entitlements.lookup(id, body.addresses));
  });
  router.get("/entitlements/:address", async (req, res) => {
    const address = parseInput(TronAddress, req.params.address, "address");
    res.json(await entitlements.byAddress(address));
  });

  app.use(router);
}
