import { z } from "zod";
import { ERROR_CODES, type ErrorDetail } from "../errors/index.js";

/** The error body of API.md; also used by the OpenAPI document and the fuzz tests. */
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.enum(ERROR_CODES),
        message: z.string(),
        details: z.array(z.object({ path: z.string(), message: z.string() }).strict()),
        requestId: z.string(),
      })
      .strict(),
  })
  .strict();
export type ErrorBody = z.infer<typeof ErrorBody>;

export function errorBody(
  code: ErrorBody["error"]["code"],
  message: string,
  requestId: string,
  details: ErrorDetail[] = [],
): ErrorBody {
  return { error: { code, message, details, requestId } };
}
