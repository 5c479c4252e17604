-- The payout engine tables of @btt/payouts (payoutTablesSql of schema ledger, verbatim, and a test
-- compares them with the engine): withdrawals, one batch named withdrawals, payment id = withdrawal id.
CREATE TABLE "ledger".payout_batches (
  id text PRIMARY KEY,
  kind text NOT NULL,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'cancelling', 'cancelled', 'completed')),
  state_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payout_batches_state_idx ON "ledger".payout_batches (state);

CREATE TABLE "ledger".payments (
  id uuid PRIMARY KEY,
  batch_id text NOT NULL REFERENCES "ledger".payout_batches (id),
  recipient text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'confirmed', 'cancelled', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  tx_id text UNIQUE,
  block_number bigint,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_batch_status_idx ON "ledger".payments (batch_id, status);

CREATE TABLE "ledger".payment_attempts (
  tx_id text PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES "ledger".payments (id),
  attempt integer NOT NULL CHECK (attempt > 0),
  state text NOT NULL CHECK (state IN ('signed', 'broadcast', 'confirmed', 'expired', 'failed_on_chain')),
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

CREATE UNIQUE INDEX payment_attempts_one_live_idx ON "ledger".payment_attempts (payment_id) WHERE state IN ('signed', 'broadcast');

CREATE INDEX payment_attempts_live_expiry_idx ON "ledger".payment_attempts (expiration_ms) WHERE state IN ('signed', 'broadcast');

CREATE INDEX payment_attempts_live_broadcast_idx ON "ledger".payment_attempts (broadcast_at) WHERE state IN ('signed', 'broadcast');

CREATE TABLE "ledger".payout_scan (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  first_height bigint NOT NULL,
  solid_height bigint NOT NULL,
  solid_block_id text NOT NULL,
  solid_time_ms bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
