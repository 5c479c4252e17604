-- The schedule (versioned, every change logged), rounds, their entitlement tables, Merkle levels,
-- approvals and the audit log. Money columns are BIGINT base units (BTT precision 6).

-- One row: when this deployment first started (entries dated before it are historical).
CREATE TABLE "airdrop"."deployment" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "first_started_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "deployment_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "deployment_single_row" CHECK ("id" = 1)
);

CREATE TABLE "airdrop"."schedule_entries" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "payout_date" DATE NOT NULL,
    "snapshot_height" BIGINT,
    "snapshot_at" TIMESTAMPTZ(3),
    "pool" BIGINT NOT NULL,
    "historical" BOOLEAN NOT NULL,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "cancel_reason" TEXT,
    "fired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "schedule_entries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "schedule_entries_kind" CHECK ("kind" IN ('initial', 'monthly', 'event')),
    CONSTRAINT "schedule_entries_pool_positive" CHECK ("pool" > 0),
    CONSTRAINT "schedule_entries_one_snapshot" CHECK (("snapshot_height" IS NULL) <> ("snapshot_at" IS NULL))
);
CREATE INDEX "schedule_entries_payout_date_idx" ON "airdrop"."schedule_entries"("payout_date");

-- The change log: the schedule version is its highest version number.
CREATE TABLE "airdrop"."schedule_changes" (
    "seq" BIGSERIAL NOT NULL,
    "version" INTEGER NOT NULL,
    "entry_id" UUID,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "notice_days" INTEGER,
    "before" JSONB,
    "after" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "schedule_changes_pkey" PRIMARY KEY ("seq")
);
CREATE INDEX "schedule_changes_entry_idx" ON "airdrop"."schedule_changes"("entry_id");

CREATE TABLE "airdrop"."rounds" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "schedule_entry_id" UUID,
    "snapshot_height" BIGINT,
    "snapshot_at" TIMESTAMPTZ(3),
    "snapshot_block_id" TEXT,
    "snapshot_content_hash" TEXT,
    "pool" BIGINT NOT NULL,
    "min_holding_sun" BIGINT NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL,
    "status_reason" TEXT,
    "eligible_total" BIGINT,
    "distributed" BIGINT,
    "undistributed" BIGINT,
    "recipients" INTEGER,
    "already_paid" INTEGER NOT NULL DEFAULT 0,
    "zero_amount_holders" INTEGER,
    "ratio_numerator" TEXT,
    "ratio_denominator" TEXT,
    "ratio_decimal" TEXT,
    "merkle_root" TEXT,
    "computation" INTEGER NOT NULL DEFAULT 0,
    "approvals_required" INTEGER NOT NULL,
    "auto_approve" BOOLEAN NOT NULL DEFAULT false,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "fee_bandwidth_bytes" BIGINT,
    "fee_trx_burn_sun" BIGINT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rounds_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rounds_entry_fkey" FOREIGN KEY ("schedule_entry_id") REFERENCES "airdrop"."schedule_entries"("id"),
    CONSTRAINT "rounds_pool_positive" CHECK ("pool" > 0),
    CONSTRAINT "rounds_status" CHECK ("status" IN ('computing', 'computed', 'approved', 'distributing', 'paused', 'completed', 'cancelling', 'cancelled', 'failed'))
);
-- An entry never has two live rounds: only failed or cancelled ones may be followed by another.
-- Dry runs (the table and totals, never paid) do not count.
CREATE UNIQUE INDEX "rounds_one_live_per_entry" ON "airdrop"."rounds"("schedule_entry_id")
    WHERE "status" NOT IN ('failed', 'cancelled') AND NOT "dry_run";
CREATE INDEX "rounds_status_idx" ON "airdrop"."rounds"("status");
CREATE INDEX "rounds_created_idx" ON "airdrop"."rounds"("created_at", "id");

CREATE TABLE "airdrop"."round_exclusions" (
    "round_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "holding" BIGINT NOT NULL DEFAULT 0,
    "added_by" TEXT NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "round_exclusions_pkey" PRIMARY KEY ("round_id", "address"),
    CONSTRAINT "round_exclusions_round_fkey" FOREIGN KEY ("round_id") REFERENCES "airdrop"."rounds"("id") ON DELETE CASCADE
);

-- The per-holder tables below (entitlements, non_recipients, merkle_chunks) carry no foreign key to
-- rounds: a million-row COPY would pay a trigger per row, and rows are only ever written and
-- deleted by round id inside the transaction that holds the round row lock.

-- The entitlement table of the current computation of a round: one row per leaf (amount > 0),
-- leaf_index = position in 21-byte address order. paid_round_id names an earlier round of the same
-- schedule entry that already paid this address (a re-run after a cancel does not pay it again).
CREATE TABLE "airdrop"."entitlements" (
    "round_id" UUID NOT NULL,
    "leaf_index" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "liquid" BIGINT NOT NULL,
    "frozen" BIGINT NOT NULL,
    "unfreezing" BIGINT NOT NULL,
    "amount" BIGINT NOT NULL,
    "paid_round_id" UUID,
    CONSTRAINT "entitlements_pkey" PRIMARY KEY ("round_id", "leaf_index"),
    CONSTRAINT "entitlements_amount_positive" CHECK ("amount" > 0)
);
CREATE UNIQUE INDEX "entitlements_round_address_key" ON "airdrop"."entitlements"("address", "round_id");

-- Holders that got no leaf, so a lookup can say why (below minimum, zero amount).
CREATE TABLE "airdrop"."non_recipients" (
    "round_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "total" BIGINT NOT NULL,
    CONSTRAINT "non_recipients_pkey" PRIMARY KEY ("round_id", "address")
);

-- Merkle levels in chunks of 1024 hashes (32 bytes each), level 0 = the leaves.
CREATE TABLE "airdrop"."merkle_chunks" (
    "round_id" UUID NOT NULL,
    "level" INTEGER NOT NULL,
    "chunk" INTEGER NOT NULL,
    "hashes" BYTEA NOT NULL,
    CONSTRAINT "merkle_chunks_pkey" PRIMARY KEY ("round_id", "level", "chunk")
);

CREATE TABLE "airdrop"."approvals" (
    "round_id" UUID NOT NULL,
    "key_id" TEXT NOT NULL,
    "merkle_root" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "approvals_pkey" PRIMARY KEY ("round_id", "key_id"),
    CONSTRAINT "approvals_round_fkey" FOREIGN KEY ("round_id") REFERENCES "airdrop"."rounds"("id") ON DELETE CASCADE
);

CREATE TABLE "airdrop"."audit_log" (
    "seq" BIGSERIAL NOT NULL,
    "round_id" UUID,
    "entry_id" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "details" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
);
CREATE INDEX "audit_log_round_idx" ON "airdrop"."audit_log"("round_id", "seq");
