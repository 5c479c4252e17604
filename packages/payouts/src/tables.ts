import { qualified } from "./schema.js";

/** The qualified names of one user's payout tables. */
export interface Tables {
  schema: string;
  batches: string;
  payments: string;
  attempts: string;
  scan: string;
}

export function tablesIn(schema: string): Tables {
  return {
    schema,
    batches: qualified(schema, "payout_batches"),
    payments: qualified(schema, "payments"),
    attempts: qualified(schema, "payment_attempts"),
    scan: qualified(schema, "payout_scan"),
  };
}
