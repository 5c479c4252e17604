import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { isTronAddress, toBase58Address } from "@btt/shared/tron";
import { z } from "zod";

extendZodWithOpenApi(z);

/**
 * Building blocks of the v1 request and response schemas (API.md "Conventions"). Request schemas
 * are strict (an unknown field is a 400); response schemas describe what the internal services
 * answer, which the gateway passes through unchanged.
 */

/** API.md: `?limit=` default 100, at most 1000. */
export const PAGE_LIMIT_DEFAULT = 100;
export const PAGE_LIMIT_MAX = 1000;
export const REASON_MAX_CHARS = 500;
export const LABEL_MAX_CHARS = 200;

/** Requests accept base58 (`T…`) or 21-byte hex (`41…`); the gateway forwards base58. */
export const Address = z
  .string()
  .refine(isTronAddress, { error: "must be a TRON address (base58 T… or hex 41…)" })
  .transform((value) => toBase58Address(value))
  .openapi({
    description: "base58 `T…` or 21-byte hex `41…`",
    example: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
  });

/** Responses always carry base58. */
export const Base58 = z
  .string()
  .openapi({ description: "base58 TRON address", example: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8" });

/** A positive amount of base units as a decimal string (never a JSON number). */
export const Amount = z
  .string()
  .regex(/^[1-9][0-9]{0,30}$/, { error: "must be a positive whole number of base units, as a string" })
  .openapi({ description: "base units, decimal string", example: "990000000000000" });

/** An amount in an answer: a decimal string of base units, zero included. */
export const AmountOut = z.string().openapi({ description: "base units, decimal string", example: "0" });

export const Reason = z.string().trim().min(1).max(REASON_MAX_CHARS);
export const Label = z.string().trim().min(1).max(LABEL_MAX_CHARS);
export const Height = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const IsoTime = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" });

/** Path parameter: a block height (a string in the path, a safe integer once parsed). */
export const HeightParam = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, { error: "must be a block height" })
  .transform(Number)
  .refine(Number.isSafeInteger, { error: "must be a block height" })
  .openapi({ type: "integer", minimum: 0, example: 75_000_000 });

export const PageQuery = z
  .object({
    limit: z.coerce
      .number({ error: "must be a number" })
      .int()
      .min(1)
      .max(PAGE_LIMIT_MAX)
      .default(PAGE_LIMIT_DEFAULT)
      .describe(`page size (default ${PAGE_LIMIT_DEFAULT}, at most ${PAGE_LIMIT_MAX})`),
    cursor: z.string().min(1).max(200).optional().describe("`nextCursor` of the previous page"),
  })
  .strict();

/** No query parameters at all: an unknown one is a 400 (a typo should not pass silently). */
export const NoQuery = z.object({}).strict();

export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
