/**
 * Rule 1: every attempt carries `btt:<kind>:<paymentId>:<attempt>` in `raw_data.data`, so two
 * attempts (or two payments with the same recipient and amount) never share a txid.
 */

const KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface PaymentMemo {
  kind: string;
  paymentId: string;
  attempt: number;
}

export function isMemoKind(kind: unknown): kind is string {
  return typeof kind === "string" && KIND_PATTERN.test(kind);
}

export function isPaymentId(id: unknown): id is string {
  return typeof id === "string" && UUID_PATTERN.test(id);
}

export function formatMemo(memo: PaymentMemo): string {
  if (!isMemoKind(memo.kind)) throw new RangeError(`memo kind must match ${KIND_PATTERN}: ${memo.kind}`);
  if (!isPaymentId(memo.paymentId))
    throw new RangeError(`payment id must be a lower-case uuid: ${memo.paymentId}`);
  if (!Number.isSafeInteger(memo.attempt) || memo.attempt < 1)
    throw new RangeError(`attempt must be a positive integer: ${memo.attempt}`);
  return `btt:${memo.kind}:${memo.paymentId}:${memo.attempt}`;
}

/** The memo a transaction's `raw_data.data` (hex) carries, or null if it is not one of ours. */
export function parseMemo(dataHex: string): PaymentMemo | null {
  const text = Buffer.from(dataHex, "hex").toString("utf8");
  const parts = text.split(":");
  if (parts.length !== 4 || parts[0] !== "btt") return null;
  const [, kind, paymentId, attemptText] = parts as [string, string, string, string];
  const attempt = Number(attemptText);
  if (!isMemoKind(kind) || !isPaymentId(paymentId) || !/^[1-9][0-9]*$/.test(attemptText)) return null;
  if (!Number.isSafeInteger(attempt)) return null;
  return { kind, paymentId, attempt };
}

export function memoHex(memo: PaymentMemo): string {
  return Buffer.from(formatMemo(memo), "utf8").toString("hex");
}
