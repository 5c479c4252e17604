import type { Request } from "express";
import { parseJsonBody } from "../protocol/json.js";

/**
 * Request parameters the way java-tron servlets read them: the JSON body of a POST (an empty body
 * is allowed: TronWeb sends getnodeinfo/getchainparameters without one), or the query string of a
 * GET; `visible` and `int64_as_string` switch the rendering.
 */
export interface WalletParams {
  body: Record<string, unknown>;
  visible: boolean;
  int64AsString: boolean;
}

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly exceptionClass = "java.lang.IllegalArgumentException",
  ) {
    super(message);
    this.name = "BadRequest";
  }
}

function truthy(v: unknown): boolean {
  return v === true || v === "true";
}

export function readParams(req: Request): WalletParams {
  return paramsOf((req.query ?? {}) as Record<string, unknown>, typeof req.body === "string" ? req.body : "");
}

/** The parameters of a request with this query (parsed) and body text. */
export function paramsOf(query: Record<string, unknown>, bodyText: string): WalletParams {
  let body: Record<string, unknown> = {};
  const text = bodyText.trim();
  if (text.length > 0 && text.startsWith("{")) {
    try {
      body = parseJsonBody(text) as Record<string, unknown>;
    } catch (error) {
      throw new BadRequest((error as Error).message, "com.alibaba.fastjson.JSONException");
    }
  }
  let merged = body;
  for (const _ in query) {
    merged = { ...query, ...body };
    break;
  }
  return {
    body: merged,
    visible: truthy(merged.visible),
    int64AsString: truthy(merged.int64_as_string),
  };
}
