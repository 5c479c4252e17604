import { z } from "zod";
import { isBaseUnits } from "../money/index.js";
import { isBase58Address } from "../tron/address.js";

/** Amount of base units as a decimal string (never a JSON number). */
export const AmountString = z.string().refine((value): boolean => isBaseUnits(value), {
  error: 'must be a decimal string of base units (e.g. "1000000")',
});

/** A non-negative integer as a decimal string, for signed commands (bytes, Unix ms). */
export const UintString = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, { error: "must be a non-negative integer as a decimal string" });

export const Base58 = z
  .string()
  .refine((value): boolean => isBase58Address(value), { error: "must be a base58 TRON address (T…)" });

export const Uuid = z.uuid({ error: "must be a UUID" });

export const TxId = z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lower-case hex characters" });

export const IsoTime = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" });
