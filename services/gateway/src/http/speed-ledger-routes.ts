import { uuidFrom } from "@btt/shared/db";
import type { ForwardedCommands } from "../messaging/forwarded-commands.js";
import { PageQuery } from "./common-schemas.js";
import type { ActingRequest, ProxyRoute } from "./proxy-route.js";
import {
  AccountParams,
  ChannelIdParams,
  ChannelPage,
  Channel as ChannelSchema,
  ChannelsQuery,
  CommandIdParams,
  CommandStatus,
  Grant,
  GrantBody,
  LedgerCheck,
  RewardEpochPage,
  SpeedAccount,
  StatementPage,
  Withdrawal,
  WithdrawalIdParams,
} from "./speed-schemas.js";

/**
 * API.md "Speed", the reads and grants the speed ledger serves (its paths are the public ones
 * without `/v1/speed`). `POST /v1/speed/commands` goes to Kafka instead: speed-routes.ts.
 */

const ok = (schema: ProxyRoute["answer"]["schema"], description: string) =>
  ({ status: 200, description, schema }) as const;

/**
 * The ledger's grant id: the same operator key and Idempotency-Key always name the same grant, so
 * a retry after a lost answer (the gateway keeps no 5xx) cannot grant twice.
 */
export function grantIdFor(actorKeyId: string, idempotencyKey: string): string {
  return uuidFrom(`gateway:speed-grant:${actorKeyId}:${idempotencyKey}`);
}

function grantRequest(body: unknown, acting: ActingRequest): unknown {
  const { actorKeyId, idempotencyKey } = acting;
  // Both are guaranteed by the route's chain (operator role, Idempotency-Key required).
  if (actorKeyId === undefined || idempotencyKey === undefined)
    throw new Error("a grant needs an operator key and an Idempotency-Key");
  return { grantId: grantIdFor(actorKeyId, idempotencyKey), ...(body as object), actor: actorKeyId };
}

/** `forwarded`: commands this instance queued, answered `queued` while the ledger has not seen them. */
export function speedLedgerRoutes(forwarded?: ForwardedCommands): readonly ProxyRoute[] {
  return [
    {
      method: "get",
      path: "/v1/speed/commands/{commandId}",
      access: "public",
      tag: "speed",
      summary: "A Speed command's status and, once accepted, its effects",
      description:
        "404 NOT_FOUND when the ledger has not seen the command; the gateway instance that queued it " +
        "answers `queued` for a while instead.",
      params: CommandIdParams,
      answer: ok(CommandStatus, "the command's status"),
      errors: [404],
      recover: (error, params) => {
        const commandId = String(params.commandId);
        const type = error.code === "NOT_FOUND" ? forwarded?.typeOf(commandId) : undefined;
        return type === undefined ? undefined : { status: 200, body: { commandId, type, status: "queued" } };
      },
    },
    {
      method: "get",
      path: "/v1/speed/accounts/{address}",
      access: "public",
      tag: "speed",
      summary: "An account's balances (all zeros for an address the ledger has never seen)",
      params: AccountParams,
      answer: ok(SpeedAccount, "the account"),
      errors: [],
    },
    {
      method: "get",
      path: "/v1/speed/accounts/{address}/statement",
      access: "public",
      tag: "speed",
      summary: "Every change to an account's available + locked balance",
      description: "Signed amounts; each line says what caused it (`ref`) and the balance after it.",
      params: AccountParams,
      query: PageQuery,
      answer: ok(StatementPage, "a page of statement lines"),
      errors: [],
    },
    {
      method: "get",
      path: "/v1/speed/accounts/{address}/channels",
      access: "public",
      tag: "speed",
      summary: "An account's channels, as payer or payee",
      params: AccountParams,
      query: ChannelsQuery,
      answer: ok(ChannelPage, "a page of channels"),
      errors: [],
    },
    {
      method: "get",
      path: "/v1/speed/channels/{channelId}",
      access: "public",
      tag: "speed",
      summary: "A payment channel",
      params: ChannelIdParams,
      answer: ok(ChannelSchema, "the channel"),
      errors: [404],
    },
    {
      method: "get",
      path: "/v1/speed/withdrawals/{id}",
      access: "public",
      tag: "speed",
      summary: "A withdrawal and its transfers on chain",
      params: WithdrawalIdParams,
      answer: ok(Withdrawal, "the withdrawal"),
      errors: [404],
    },
    {
      method: "post",
      path: "/v1/speed/grants",
      access: "operator",
      tag: "speed",
      summary: "Grant BTT from the promotions pool to an account",
      description:
        "Idempotency-Key is required: it names the grant, so a retry never grants twice. " +
        "422 INSUFFICIENT_FUNDS when the promotions pool cannot cover it.",
      body: GrantBody,
      idempotencyKey: "required",
      downstreamBody: grantRequest,
      answer: { status: 201, description: "the grant, applied", schema: Grant },
      errors: [409, 422],
    },
    {
      method: "get",
      path: "/v1/speed/rewards/epochs",
      access: "exchange",
      tag: "speed",
      summary: "Seeding reward epochs with their budget, weights and payouts",
      query: PageQuery,
      answer: ok(RewardEpochPage, "a page of reward epochs"),
      errors: [],
    },
    {
      method: "get",
      path: "/v1/speed/ledger/check",
      access: "operator",
      tag: "speed",
      summary: "The ledger's invariants and its custody reconciliation, evaluated now",
      description:
        "`ok` is false when an invariant fails or the custody account's BTT on chain differs from " +
        "what the ledger owes (`drift`).",
      answer: ok(LedgerCheck, "the check"),
      deadline: "write",
      errors: [],
    },
  ];
}

/** The declarations, for the OpenAPI document and tests (the app mounts its own, with its state). */
export const SPEED_LEDGER_ROUTES = speedLedgerRoutes();
