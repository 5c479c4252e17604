-- The double-entry ledger of BitTorrent Speed (ARCHITECTURE.md "Speed payments"). No quotes or
-- semicolons inside these comments: the migration runner splits on them.

-- One row per account. Users are base58 addresses with two buckets, available and locked (the
-- unspent locks of their open channels). System accounts are named system:<name> and use the
-- available bucket only: system:promotions and system:rewards (pools), system:withdrawals (in
-- flight) and system:custody, the contra account mirroring the custody address on chain, which is
-- the only account that goes negative. Balances are derived from the journal and checked against it.
CREATE TABLE "ledger".accounts (
  id text PRIMARY KEY,
  available bigint NOT NULL DEFAULT 0,
  locked bigint NOT NULL DEFAULT 0,
  CONSTRAINT accounts_never_negative CHECK (id = 'system:custody' OR (available >= 0 AND locked >= 0)),
  CONSTRAINT accounts_system_unlocked CHECK (id NOT LIKE 'system:%' OR locked = 0)
);

-- The journal: every change is an entry (entry_id) of postings that sum to zero. balance_after is
-- the account total (available + locked) after the posting, so statements explain every balance.
CREATE SEQUENCE "ledger".journal_entry_id_seq;

CREATE TABLE "ledger".journal (
  seq bigserial PRIMARY KEY,
  entry_id bigint NOT NULL,
  account text NOT NULL,
  bucket text NOT NULL CHECK (bucket IN ('available', 'locked')),
  amount bigint NOT NULL CHECK (amount <> 0),
  balance_after bigint NOT NULL,
  kind text NOT NULL,
  ref text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX journal_account_seq_idx ON "ledger".journal (account, seq);

CREATE INDEX journal_entry_idx ON "ledger".journal (entry_id);

-- Every signed command applied or rejected, keyed by (signer, id): the dedup record, written in
-- the transaction that applies the command. digest = sha256 of its canonical JSON.
CREATE TABLE "ledger".commands (
  signer text NOT NULL,
  id uuid NOT NULL,
  type text NOT NULL,
  digest bytea NOT NULL,
  account text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  reason text,
  message text,
  entry_id bigint,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (signer, id)
);

CREATE INDEX commands_id_idx ON "ledger".commands (id);

-- Payment channels: id = the id of the channel.open command. lock_amount is the amount locked at
-- open, paid the highest cumulative voucher applied.
CREATE TABLE "ledger".channels (
  id uuid PRIMARY KEY,
  payer text NOT NULL,
  payee text NOT NULL,
  lock_amount bigint NOT NULL CHECK (lock_amount > 0),
  paid bigint NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= lock_amount),
  bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'expired')),
  expires_at timestamptz NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  closed_by text
);

CREATE INDEX channels_payer_idx ON "ledger".channels (payer, opened_at);

CREATE INDEX channels_payee_idx ON "ledger".channels (payee, opened_at);

CREATE INDEX channels_open_expiry_idx ON "ledger".channels (expires_at) WHERE status = 'open';

-- On-chain deposits to the custody address (chain.deposits), once per txid.
CREATE TABLE "ledger".deposits (
  tx_id text PRIMARY KEY,
  from_address text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  block_number bigint NOT NULL,
  block_time timestamptz NOT NULL,
  memo text,
  credited_to text NOT NULL,
  entry_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX deposits_block_idx ON "ledger".deposits (block_number);

-- Operator grants from the promotions pool, once per grant id.
CREATE TABLE "ledger".grants (
  id uuid PRIMARY KEY,
  address text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  memo text NOT NULL,
  actor text NOT NULL,
  entry_id bigint NOT NULL,
  available_after bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Withdrawals: reserved (debited, in system:withdrawals) until the payout engine confirms the
-- TRC-10 transfer (posted, status confirmed) or fails it for good (voided, refunded). The payment
-- of the engine has the same id.
CREATE TABLE "ledger".withdrawals (
  id uuid PRIMARY KEY,
  signer text NOT NULL,
  command_id uuid NOT NULL,
  account text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  to_address text NOT NULL,
  status text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'broadcast', 'confirmed', 'voided')),
  reason text,
  block_number bigint,
  day date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX withdrawals_account_day_idx ON "ledger".withdrawals (account, day);

CREATE INDEX withdrawals_unsettled_idx ON "ledger".withdrawals (status) WHERE status IN ('reserved', 'broadcast');

-- Seeding-reward epochs: the vouchers of journal rows (first_seq, last_seq] weigh, the budget is
-- split by largest remainder. weights and payouts are JSON arrays of decimal strings.
CREATE TABLE "ledger".reward_epochs (
  id bigserial PRIMARY KEY,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  budget bigint NOT NULL CHECK (budget >= 0),
  distributed bigint NOT NULL CHECK (distributed >= 0 AND distributed <= budget),
  entry_id bigint,
  weights jsonb NOT NULL,
  payouts jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Reconciliation state: the last evaluation and whether withdrawals are halted by a drift.
CREATE TABLE "ledger".reconciliation (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  halted boolean NOT NULL DEFAULT false,
  halt_reason text,
  last_check jsonb,
  checked_at timestamptz,
  drift_since timestamptz,
  consecutive_drifts integer NOT NULL DEFAULT 0
);

INSERT INTO "ledger".reconciliation (id) VALUES (1);

INSERT INTO "ledger".accounts (id) VALUES ('system:custody'), ('system:promotions'), ('system:rewards'), ('system:withdrawals');
