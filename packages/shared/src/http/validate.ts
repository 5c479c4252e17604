import type { z } from "zod";
import { AppError, type ErrorDetail } from "../errors/index.js";

export function zodIssuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.slice(0, 50).map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** Parses untrusted input or throws VALIDATION_FAILED naming every bad field. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what = "request",
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError("VALIDATION_FAILED", `invalid ${what}`, { details: zodIssuesToDetails(result.error) });
}
