/**
 * The engine's tables, in a schema the user owns (the airdrop in `airdrop`, the ledger in
 * `ledger`): paste `payoutTablesSql(schema)` into that service's migration. The text has no
 * comments, so it survives migration runners that split on `;` or quotes.
 */

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) throw new RangeError(`schema must match ${SCHEMA_PATTERN}: ${schema}`);
  return schema;
}

/** `"schema".table`, for SQL text. */
export function qualified(schema: string, table: string): string {
  return `"${assertSchemaName(schema)}".${table}`;
}

export const BATCH_STATES = ["active", "paused", "cancelling", "cancelled", "completed"] as const;
export type BatchState = (typeof BATCH_STATES)[number];
export const PAYMENT_STATUSES = ["pending", "in_flight", "confirmed", "cancelled", "failed"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const ATTEMPT_STATES = ["signed", "broadcast", "confirmed", "expired", "failed_on_chain"] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];
/** An attempt that may still land: at most one per payment (rule 2). */
export const LIVE_ATTEMPT_STATES: readonly AttemptState[] = ["signed", "broadcast"];

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

export function payoutTablesSql(schema: string): string {
  const s = `"${assertSchemaName(schema)}"`;
  const live = list(LIVE_ATTEMPT_STATES);
  return `CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE ${s}.payout_batches (
  id text PRIMARY KEY,
  kind text NOT NULL,
  state text NOT NULL DEFAULT 'active' CHECK (state IN (${list(BATCH_STATES)})),
  state_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payout_batches_state_idx ON ${s}.payout_batches (state);

CREATE TABLE ${s}.payments (
  id uuid PRIMARY KEY,
  batch_id text NOT NULL REFERENCES ${s}.payout_batches (id),
  recipient text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN (${list(PAYMENT_STATUSES)})),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  tx_id text UNIQUE,
  block_number bigint,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_batch_status_idx ON ${s}.payments (batch_id, status);

CREATE TABLE ${s}.payment_attempts (
  tx_id text PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES ${s}.payments (id),
  attempt integer NOT NULL CHECK (attempt > 0),
  state text NOT NULL CHECK (state IN (${list(ATTEMPT_STATES)})),
  signed_tx jsonb NOT NULL,
  raw_data_hex text NOT NULL,
  ref_block_num bigint NOT NULL,
  expiration_ms bigint NOT NULL,
  broadcast_reply text,
  broadcast_at timestamptz,
  broadcasts integer NOT NULL DEFAULT 0,
  block_number bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  UNIQUE (payment_id, attempt)
);

CREATE UNIQUE INDEX payment_attempts_one_live_idx ON ${s}.payment_attempts (payment_id) WHERE state IN (${live});

CREATE INDEX payment_attempts_live_expiry_idx ON ${s}.payment_attempts (expiration_ms) WHERE state IN (${live});

CREATE INDEX payment_attempts_live_broadcast_idx ON ${s}.payment_attempts (broadcast_at) WHERE state IN (${live});

CREATE TABLE ${s}.payout_scan (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  first_height bigint NOT NULL,
  solid_height bigint NOT NULL,
  solid_block_id text NOT NULL,
  solid_time_ms bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;
}

const PAYOUT_TABLES = ["payout_batches", "payments", "payment_attempts", "payout_scan"];

export interface PayoutTablesShape {
  columns: Record<string, unknown>[];
  constraints: string[];
  indexes: string[];
}

/**
 * The columns, constraints and indexes of the engine's tables in `schema`, with the schema name
 * stripped, so a user's migration can be compared with `payoutTablesSql` created in another schema.
 */
export async function payoutTablesShape(
  pool: { query: (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> },
  schema: string,
): Promise<PayoutTablesShape> {
  assertSchemaName(schema);
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = ANY($2) ORDER BY 1, 2`,
    [schema, PAYOUT_TABLES],
  );
  const constraints = await pool.query(
    `SELECT c.conrelid::regclass::text AS t, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1, 2`,
    [schema],
  );
  const indexes = await pool.query(
    `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2) ORDER BY 1, 2`,
    [schema, PAYOUT_TABLES],
  );
  const strip = (text: string) => text.replaceAll(`"${schema}".`, "").replaceAll(`${schema}.`, "");
  return {
    columns: columns.rows.map((r) => ({
      ...r,
      column_default: typeof r.column_default === "string" ? strip(r.column_default) : r.column_default,
    })),
    constraints: constraints.rows
      .filter((r) => PAYOUT_TABLES.includes(strip(String(r.t))))
      .map((r) => `${strip(String(r.t))}: ${strip(String(r.def))}`),
    indexes: indexes.rows.map((r) => strip(String(r.indexdef))),
  };
}
